//! `Credential`: building one from a config record or from the environment, and its suspend
//! and blocking calls.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use dbfed::options::{Network, Networked, Target};

use crate::diagnose::{FederationPolicy, Mismatch, mismatches};
use crate::endpoints::Endpoints;
use crate::error::DbfedError;
use crate::options::{NetworkSettings, network};
use crate::runtime::Answer;
use crate::shown::render;
use crate::source::Source;
use crate::token::{AccessToken, Stats};
use crate::{panics, runtime};

/// How a `Credential` (or a `UserExchanger`) reaches Databricks. Give `host` (a workspace), or
/// `accountHost` with `accountId` (account-level APIs), or a `tokenEndpoint`; every other field
/// has a default.
#[derive(Clone, Debug, Default, uniffi::Record)]
pub struct CredentialConfig {
    /// The workspace URL (`https://` may be omitted).
    #[uniffi(default)]
    pub host: Option<String>,
    /// The accounts console URL, for account-level APIs (with `accountId`).
    #[uniffi(default)]
    pub account_host: Option<String>,
    /// The Databricks account id; for a workspace, it makes the account id the default audience.
    #[uniffi(default)]
    pub account_id: Option<String>,
    /// The service principal's application id (workload identity federation); leave it null
    /// for account-wide federation.
    #[uniffi(default)]
    pub client_id: Option<String>,
    /// The scopes to request (default `all-apis`).
    #[uniffi(default)]
    pub scopes: Option<Vec<String>>,
    /// The audience the source's JWT is asked for (default: the host's metadata, else the
    /// account id, else the token endpoint URL).
    #[uniffi(default)]
    pub audience: Option<String>,
    /// The token endpoint, skipping discovery.
    #[uniffi(default)]
    pub token_endpoint: Option<String>,
    /// An OIDC discovery document to read the token endpoint from.
    #[uniffi(default)]
    pub discovery_url: Option<String>,
    /// Timeouts, CA bundle and retry rules of its requests (default: their defaults).
    #[uniffi(default)]
    pub network: Option<NetworkSettings>,
}

/// Databricks tokens for one workspace or account, exchanged for the JWTs of one source,
/// cached and refreshed ahead of expiry; one exchange however many coroutines and threads ask.
/// No request is made before the first token is asked for. `toString()` shows no secret.
#[derive(uniffi::Object)]
#[uniffi::export(Display)]
pub struct Credential {
    pub(crate) inner: dbfed::Credential,
}

impl Credential {
    /// The core's credential that `build` makes in the runtime's context, so that its refreshes
    /// run there (a panic in it is `DbfedError::Internal`).
    pub(crate) fn build(
        build: impl FnOnce() -> dbfed::Result<dbfed::Credential>,
    ) -> Result<Arc<Self>, DbfedError> {
        let inner = runtime::in_context(build)??;
        Ok(Arc::new(Credential { inner }))
    }
}

impl CredentialConfig {
    /// The core's exchange target and network options of this config, which the core checks.
    pub(crate) fn into_core(self) -> (Target, Network) {
        let target = Target {
            host: self.host,
            account_host: self.account_host,
            account_id: self.account_id,
            client_id: self.client_id,
            scopes: self.scopes,
            audience: self.audience,
            token_endpoint: self.token_endpoint,
            discovery_url: self.discovery_url,
        };
        (target, network(self.network))
    }
}

impl Credential {
    /// The cached token, else the exchange that gets one.
    fn token_answer(
        &self,
    ) -> Result<Answer<Arc<AccessToken>, impl Future<Output = TokenResult> + use<>>, DbfedError>
    {
        if let Some(token) = panics::catch(|| self.cached_token())? {
            return Ok(Answer::Ready(token));
        }
        let credential = self.inner.clone();
        Ok(Answer::Request(async move {
            Ok(AccessToken::new(credential.token().await?))
        }))
    }
}

/// What a token call gives.
pub(crate) type TokenResult = Result<Arc<AccessToken>, DbfedError>;

impl std::fmt::Display for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&render(self.inner.describe()))
    }
}

#[uniffi::export]
impl Credential {
    /// A credential for `config`, with JWTs from `source`. Throws `DbfedException.Config` if
    /// the configuration is incomplete or unsafe.
    #[uniffi::constructor]
    pub fn new(config: CredentialConfig, source: Arc<Source>) -> Result<Arc<Self>, DbfedError> {
        let (target, network) = config.into_core();
        Credential::build(|| {
            dbfed::Credential::builder()
                .target(target)
                .shared_source(source.inner.clone())
                .network(&network)?
                .build()
        })
    }

    /// A valid token: from the cache (no I/O), or after one exchange shared by every caller
    /// waiting for it.
    pub async fn token(&self) -> Result<Arc<AccessToken>, DbfedError> {
        self.token_answer()?.awaited().await
    }

    /// `token()` for callers without coroutines: blocks the calling thread until a token is
    /// had (never longer than the request timeouts and retry budget, or a callback's timeout).
    pub fn token_blocking(&self) -> Result<Arc<AccessToken>, DbfedError> {
        self.token_answer()?.blocking()
    }

    /// The cached token if it can be had without waiting (lock-free, no I/O), else null. A
    /// refresh it starts runs on the runtime the credential was built with.
    pub fn cached_token(&self) -> Option<Arc<AccessToken>> {
        self.inner.cached_token().map(AccessToken::new)
    }

    /// `{"Authorization": "Bearer <token>"}` for a request.
    pub async fn headers(&self) -> Result<HashMap<String, String>, DbfedError> {
        Ok(authorization(&*self.token().await?))
    }

    /// `headers()` for callers without coroutines (blocks like `tokenBlocking()`).
    pub fn headers_blocking(&self) -> Result<HashMap<String, String>, DbfedError> {
        Ok(authorization(&*self.token_blocking()?))
    }

    /// Forgets the cached token, so the next call exchanges anew.
    pub fn invalidate(&self) {
        self.inner.invalidate();
    }

    /// Forgets `token` if it is still the cached one (call it after an API answered 401 to
    /// it); many callers reporting the same token cause a single refresh. Returns whether it did.
    pub fn invalidate_token(&self, token: &AccessToken) -> bool {
        self.inner.invalidate_token(&token.inner)
    }

    /// Counters of exchanges, cache hits, refreshes and failures.
    pub fn stats(&self) -> Stats {
        self.inner.stats().into()
    }

    /// The name of the source the JWTs come from (`github-actions`, `env`, `callback`, …).
    pub fn source_name(&self) -> Option<String> {
        self.inner.source_name().map(str::to_owned)
    }

    /// The Databricks account id, when configured.
    pub fn account_id(&self) -> Option<String> {
        self.inner.account_id().map(str::to_owned)
    }

    /// The token endpoint and the audience the source is asked for, and how each was found
    /// (discovered on first use, then remembered). Throws `DbfedException.Config` for a
    /// credential without a token exchange (Azure).
    pub async fn endpoints(&self) -> Result<Endpoints, DbfedError> {
        let credential = self.inner.clone();
        runtime::run(async move { credential.endpoints().await?.try_into() }).await
    }

    /// `endpoints()` for callers without coroutines (blocks like `tokenBlocking()`).
    pub fn endpoints_blocking(&self) -> Result<Endpoints, DbfedError> {
        let credential = self.inner.clone();
        runtime::block_on(async move { credential.endpoints().await?.try_into() })
    }

    /// Every reason Databricks would refuse this credential's JWT under `policy`: a JWT is had
    /// from the source, for the resolved audience, and compared with the policy (the account id,
    /// when configured, stands for a policy without audiences). Nothing is exchanged; a source
    /// that fails throws as `token()` would.
    pub async fn diagnose(&self, policy: FederationPolicy) -> Result<Vec<Mismatch>, DbfedError> {
        let credential = self.inner.clone();
        runtime::run(async move { mismatches(&credential.diagnose(&policy.to_core()).await?) })
            .await
    }

    /// `diagnose(policy)` for callers without coroutines (blocks like `tokenBlocking()`).
    pub fn diagnose_blocking(&self, policy: FederationPolicy) -> Result<Vec<Mismatch>, DbfedError> {
        let credential = self.inner.clone();
        runtime::block_on(async move { mismatches(&credential.diagnose(&policy.to_core()).await?) })
    }
}

/// A credential configured from the Databricks environment variables, as the Databricks
/// SDKs read them (`DATABRICKS_HOST`, `DATABRICKS_CLIENT_ID`, `DATABRICKS_AUTH_TYPE`, …; see
/// the README). When no source fits, the `DbfedException.Config` lists every one tried and
/// why it was skipped.
#[uniffi::export]
pub fn credential_from_env() -> Result<Arc<Credential>, DbfedError> {
    let env = dbfed::config::Env::process();
    Credential::build(|| dbfed::config::credential_from(&env))
}

/// A credential whose tokens come from the metadata-service endpoint at `url` (what `dbfed exec`
/// and `dbfed serve` serve; its path is never shown) for the workspace or account `host`: no
/// exchange, the same cache as every credential's. Throws `DbfedException.Config` for a URL that
/// is not https (or http to loopback), an unusable host, or unsafe network settings.
#[uniffi::export(default(network = None))]
pub fn credential_metadata_service(
    url: String,
    host: String,
    network: Option<NetworkSettings>,
) -> Result<Arc<Credential>, DbfedError> {
    let network = crate::options::network(network);
    Credential::build(|| {
        dbfed::Credential::metadata_service(url, host)
            .network(&network)?
            .build()
    })
}

/// The metadata-service endpoint `dbfed exec` (or a Databricks runtime) gave this process in
/// `DATABRICKS_METADATA_SERVICE_URL`, if any.
#[uniffi::export]
pub fn metadata_service_url() -> Option<String> {
    dbfed::config::Env::process().get(dbfed::METADATA_SERVICE_URL_VARIABLE)
}

/// The request headers that carry `token`.
pub(crate) fn authorization(token: &AccessToken) -> HashMap<String, String> {
    HashMap::from([("Authorization".to_owned(), token.authorization_header())])
}
