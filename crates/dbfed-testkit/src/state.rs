//! What the server remembers between requests: settings, policies, queued faults, counters,
//! recorded exchanges and issued access tokens. One mutex guards it all; it is never held
//! across an `.await`.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ci::OidcClient;
use crate::duration_serde;
use crate::entra::EntraState;
use crate::faults::Fault;
use crate::idp::SigningKeys;
use crate::policy::Policy;

/// How the fake Databricks host behaves; change it with `Testkit::update_settings`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Lifetime of issued access tokens (`token_lifetime_secs` in JSON); default 3600 s.
    #[serde(rename = "token_lifetime_secs", with = "duration_serde::secs")]
    pub token_lifetime: Duration,
    /// Send `expires_in` as a JSON string (`"3600"`) instead of a number.
    pub expires_in_as_string: bool,
    /// Serve `/.well-known/databricks-config`; when false it answers 404. Default true.
    pub host_metadata: bool,
    /// Whether host metadata describes a workspace host (default) or an account host.
    pub host_type: HostType,
    /// `token_federation_default_oidc_audiences` in host metadata; omitted when empty (default).
    pub default_audiences: Vec<String>,
    /// `sub` of the JWTs the CI look-alikes (GitHub, GCP) and the IdP's client-credentials
    /// endpoint issue; default `repo:acme/pipelines:environment:prod`.
    pub ci_subject: String,
    /// Lifetime of the JWTs the CI look-alikes issue (`ci_token_lifetime_secs`); default 300 s.
    #[serde(rename = "ci_token_lifetime_secs", with = "duration_serde::secs")]
    pub ci_token_lifetime: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            token_lifetime: Duration::from_secs(3600),
            expires_in_as_string: false,
            host_metadata: true,
            host_type: HostType::Workspace,
            default_audiences: Vec::new(),
            ci_subject: "repo:acme/pipelines:environment:prod".to_owned(),
            ci_token_lifetime: Duration::from_secs(300),
        }
    }
}

/// The kind of Databricks host the fake pretends to be in its host metadata.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HostType {
    /// A workspace host: `oidc_endpoint` is `{url}/oidc` and `workspace_id` is set.
    #[default]
    Workspace,
    /// An account host: `oidc_endpoint` is `{url}/oidc/accounts/{account_id}`.
    Account,
}

/// How many requests of each kind the server received (faulted requests included).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Token-endpoint POSTs received, including faulted and rejected ones.
    pub exchanges: u64,
    /// Token exchanges that issued an access token.
    pub successes: u64,
    /// Token exchanges answered with an error (not counting injected faults).
    pub rejections: u64,
    /// Requests answered by an injected fault.
    pub faults: u64,
    /// GETs of `/.well-known/databricks-config` and the `oauth-authorization-server` documents.
    pub discovery: u64,
    /// Requests to the protected APIs (`/api/2.0/preview/scim/v2/Me`, GET or POST, and POST
    /// `/serving-endpoints/chat/completions`), including rejected ones.
    pub api_calls: u64,
    /// Protected API requests rejected with 401.
    pub api_rejections: u64,
    /// Requests answered with a JWT by the CI look-alikes and the IdP's client-credentials endpoint.
    pub ci_token_requests: u64,
}

/// One request received by a token endpoint, as the client sent it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedExchange {
    /// Request path, e.g. `/oidc/v1/token`.
    pub path: String,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// Form fields in the order received; empty unless the body was form-encoded.
    pub form: Vec<(String, String)>,
}

/// An opaque access token the fake token endpoint issued.
#[derive(Clone, Debug)]
pub(crate) struct IssuedToken {
    /// User name (account-wide federation) or `sp:<client_id>` (service principal).
    pub principal: String,
    /// Unix seconds after which the token is rejected.
    pub expires_at: i64,
}

/// Mutable server state.
#[derive(Debug)]
pub(crate) struct State {
    pub settings: Settings,
    pub policies: Vec<Policy>,
    pub faults: Vec<Fault>,
    pub counters: Counters,
    pub exchanges: Vec<RecordedExchange>,
    pub issued: HashMap<String, IssuedToken>,
    pub oidc_clients: Vec<OidcClient>,
    pub entra: EntraState,
}

impl State {
    fn new(settings: Settings) -> Self {
        State {
            settings,
            policies: Vec::new(),
            faults: Vec::new(),
            counters: Counters::default(),
            exchanges: Vec::new(),
            issued: HashMap::new(),
            oidc_clients: Vec::new(),
            entra: EntraState::default(),
        }
    }
}

/// Everything a request handler needs: fixed facts about this server plus the mutable state.
#[derive(Debug)]
pub(crate) struct Shared {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    pub account_id: String,
    pub keys: &'static SigningKeys,
    /// The settings the server started with; `reset` restores them.
    initial_settings: Settings,
    state: Mutex<State>,
}

impl Shared {
    pub(crate) fn new(
        url: String,
        account_id: String,
        keys: &'static SigningKeys,
        settings: Settings,
    ) -> Self {
        Shared {
            url,
            account_id,
            keys,
            initial_settings: settings.clone(),
            state: Mutex::new(State::new(settings)),
        }
    }

    /// Locks the state. A panic elsewhere while holding the lock does not poison the testkit.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Forgets everything learned since start and restores the initial settings.
    pub(crate) fn reset(&self) {
        *self.lock() = State::new(self.initial_settings.clone());
    }

    /// Revokes every access token issued so far (the protected API answers them 401); returns
    /// how many there were.
    pub(crate) fn revoke_tokens(&self) -> usize {
        let mut state = self.lock();
        let revoked = state.issued.len();
        state.issued.clear();
        revoked
    }

    /// `{url}/idp`, the `iss` of minted tokens.
    pub(crate) fn issuer(&self) -> String {
        format!("{}/idp", self.url)
    }

    /// `{url}/oidc/v1/token`.
    pub(crate) fn workspace_token_endpoint(&self) -> String {
        format!("{}/oidc/v1/token", self.url)
    }

    /// `{url}/oidc/accounts/{account_id}/v1/token`.
    pub(crate) fn account_token_endpoint(&self) -> String {
        format!("{}/oidc/accounts/{}/v1/token", self.url, self.account_id)
    }
}
