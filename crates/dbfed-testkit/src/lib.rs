//! A fake identity provider and a fake Databricks token endpoint for testing `dbfed`.
//!
//! [`Testkit::start`] runs one HTTP server on `127.0.0.1` (random port) on its own thread with
//! its own tokio runtime, so it works from sync code, from any async runtime and from tests
//! that pause tokio time. Dropping the [`Testkit`] stops the server.
//!
//! - `/idp/...`: an OIDC issuer with RS256 and ES256 keys; [`Testkit::mint`] signs JWTs.
//! - `/.well-known/databricks-config`, `/oidc/...`: Databricks host metadata, RFC 8414
//!   discovery and the RFC 8693 token endpoints, enforcing [`Policy`]s like Databricks.
//! - `/api/2.0/preview/scim/v2/Me`: a protected API that accepts the issued tokens (and Entra
//!   tokens for the Azure Databricks resource, as Azure Databricks does).
//! - `/serving-endpoints/chat/completions`: model serving's OpenAI-compatible chat completions
//!   (streamed too), for the same tokens; the answer is the caller's principal.
//! - `/entra/{tenant}/oauth2/...`, `/metadata/identity/oauth2/token`: a Microsoft Entra ID
//!   look-alike (client secrets, federated client assertions, on-behalf-of) and Azure IMDS.
//! - `/_testkit/...`: the same controls as the Rust API, over HTTP, for other languages.
//!
//! ```
//! use dbfed_testkit::{MintRequest, Policy, Testkit};
//!
//! let testkit = Testkit::start();
//! testkit.add_policy(Policy {
//!     client_id: Some("my-sp".into()),
//!     issuer: testkit.issuer(),
//!     audiences: vec!["dbfed".into()],
//!     subject: Some("repo:org/repo:ref:refs/heads/main".into()),
//!     subject_claim: None,
//! });
//! let jwt = testkit.mint(MintRequest {
//!     sub: "repo:org/repo:ref:refs/heads/main".into(),
//!     aud: vec!["dbfed".into()],
//!     ..MintRequest::default()
//! });
//! assert_eq!(jwt.split('.').count(), 3);
//! // POST it to testkit.workspace_token_endpoint() with client_id=my-sp.
//! ```

#![warn(missing_docs)]

mod buffered;
mod ci;
mod clock;
mod connection;
mod control;
mod databricks;
mod duration_serde;
mod entra;
mod exchange;
mod faults;
mod idp;
mod policy;
mod reply;
mod server;
mod state;

use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::sync::Arc;

pub use ci::{
    AZURE_DEVOPS_ACCESS_TOKEN, AZURE_DEVOPS_AUDIENCE, AZURE_DEVOPS_ORGANIZATION,
    GITHUB_DEFAULT_AUDIENCE, GITHUB_REQUEST_TOKEN, OidcClient,
};
pub use entra::{
    APP_SERVICE_IDENTITY_HEADER, AZURE_DATABRICKS_RESOURCE_ID, DEFAULT_FEDERATED_AUDIENCE,
    EntraApp, EntraUserToken, FederatedCredential, ManagedIdentity, RecordedEntraRequest,
};
pub use faults::Fault;
pub use idp::{Alg, MintRequest};
pub use policy::Policy;
pub use state::{Counters, HostType, RecordedExchange, Settings};

use idp::SigningKeys;
use server::ServerThread;
use state::Shared;

/// The account id a testkit uses unless told otherwise.
pub const DEFAULT_ACCOUNT_ID: &str = "7a1f4c2e-0000-4000-8000-00000000acc7";

/// Startup options for [`Testkit::start_with`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Databricks account id; default [`DEFAULT_ACCOUNT_ID`].
    pub account_id: String,
    /// Initial settings, also what [`Testkit::reset`] restores.
    pub settings: Settings,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            account_id: DEFAULT_ACCOUNT_ID.into(),
            settings: Settings::default(),
        }
    }
}

/// A running testkit server; dropping it stops the server.
#[derive(Debug)]
pub struct Testkit {
    shared: Arc<Shared>,
    port: u16,
    _server: ServerThread,
}

impl Testkit {
    /// Starts a testkit with default settings. Panics if it cannot bind a loopback port.
    pub fn start() -> Testkit {
        Testkit::start_with(Config::default())
    }

    /// Starts a testkit with `config`. Panics if it cannot bind a loopback port.
    pub fn start_with(config: Config) -> Testkit {
        Testkit::try_start_with(config)
            .unwrap_or_else(|error| panic!("dbfed-testkit: cannot start the server: {error}"))
    }

    /// Starts a testkit with `config`, reporting failure to bind or spawn as an error.
    pub fn try_start_with(config: Config) -> io::Result<Testkit> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let address = listener.local_addr()?;
        let url = format!("http://{address}");
        let shared = Arc::new(Shared::new(
            url,
            config.account_id,
            SigningKeys::process_wide(),
            config.settings,
        ));
        let server = server::spawn(listener, shared.clone())?;
        Ok(Testkit {
            shared,
            port: address.port(),
            _server: server,
        })
    }

    /// Base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        self.shared.url.clone()
    }

    /// Port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Issuer of minted tokens, `{url}/idp`.
    pub fn issuer(&self) -> String {
        self.shared.issuer()
    }

    /// The Databricks account id.
    pub fn account_id(&self) -> String {
        self.shared.account_id.clone()
    }

    /// Workspace token endpoint, `{url}/oidc/v1/token`.
    pub fn workspace_token_endpoint(&self) -> String {
        self.shared.workspace_token_endpoint()
    }

    /// Account token endpoint, `{url}/oidc/accounts/{account_id}/v1/token`.
    pub fn account_token_endpoint(&self) -> String {
        self.shared.account_token_endpoint()
    }

    /// Mints a JWT signed by the fake IdP.
    pub fn mint(&self, request: MintRequest) -> String {
        idp::mint(&self.shared, &request)
            .unwrap_or_else(|error| panic!("dbfed-testkit: cannot sign a JWT: {error}"))
    }

    /// Registers a client of the fake IdP's client-credentials endpoint (`{url}/idp/token`).
    pub fn add_oidc_client(&self, client: OidcClient) {
        self.shared.lock().oidc_clients.push(client);
    }

    /// The fake IdP's private key for `alg`, PKCS#8 PEM: sign `private_key_jwt` assertions with it.
    pub fn signing_key_pem(&self, alg: Alg) -> String {
        self.shared.keys.private_key_pem(alg).to_owned()
    }

    /// Adds a federation policy.
    pub fn add_policy(&self, policy: Policy) {
        self.shared.lock().policies.push(policy);
    }

    /// Changes settings in place; takes effect for the next request.
    pub fn update_settings(&self, change: impl FnOnce(&mut Settings)) {
        change(&mut self.shared.lock().settings);
    }

    /// Queues a fault. Panics if the fault is invalid (zero count, bad status or header value).
    pub fn inject(&self, fault: Fault) {
        if let Err(problem) = fault.validate() {
            panic!("dbfed-testkit: invalid fault: {problem}");
        }
        self.shared.lock().faults.push(fault);
    }

    /// Drops every queued fault (`DELETE /_testkit/faults` in the control API).
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Request counters so far.
    pub fn counters(&self) -> Counters {
        self.shared.lock().counters
    }

    /// Every token-endpoint request received, in order (faulted ones included).
    pub fn exchanges(&self) -> Vec<RecordedExchange> {
        self.shared.lock().exchanges.clone()
    }

    /// The fake Entra's authority host, `{url}/entra` (what `AZURE_AUTHORITY_HOST` is set to);
    /// tenant token endpoints are `{authority}/{tenant}/oauth2/token` and `…/oauth2/v2.0/token`.
    pub fn entra_authority(&self) -> String {
        entra::authority(&self.shared)
    }

    /// The fake IMDS managed-identity token endpoint, `{url}/metadata/identity/oauth2/token`.
    pub fn imds_endpoint(&self) -> String {
        format!("{}{}", self.shared.url, entra::IMDS_TOKEN_PATH)
    }

    /// The fake App Service / Functions / Container Apps identity endpoint, `{url}/msi/token`
    /// (what `IDENTITY_ENDPOINT` is set to; `IDENTITY_HEADER` is [`APP_SERVICE_IDENTITY_HEADER`]).
    pub fn app_service_identity_endpoint(&self) -> String {
        format!("{}{}", self.shared.url, entra::APP_SERVICE_TOKEN_PATH)
    }

    /// Registers an Entra application (client secret and/or federated credentials).
    pub fn add_entra_app(&self, app: EntraApp) {
        self.shared.lock().entra.apps.push(app);
    }

    /// Registers a managed identity the fake IMDS hands tokens for.
    pub fn add_managed_identity(&self, identity: ManagedIdentity) {
        self.shared.lock().entra.managed_identities.push(identity);
    }

    /// Mints a signed-in user's Entra access token, for on-behalf-of tests.
    pub fn mint_entra_user_token(&self, request: EntraUserToken) -> String {
        entra::mint_user_token(&self.shared, &request)
            .unwrap_or_else(|error| panic!("dbfed-testkit: cannot sign a JWT: {error}"))
    }

    /// Every request the fake Entra and IMDS received, in order (faulted ones included).
    pub fn entra_requests(&self) -> Vec<RecordedEntraRequest> {
        self.shared.lock().entra.requests.clone()
    }

    /// Revokes every access token issued so far: the protected API answers them 401, as
    /// Databricks answers a revoked token that has not expired. Returns how many there were.
    pub fn revoke_tokens(&self) -> usize {
        self.shared.revoke_tokens()
    }

    /// Clears counters, faults, recorded exchanges and Entra requests, policies, Entra apps and
    /// managed identities, and issued tokens, and restores the initial settings. Keys, URL and
    /// account id stay.
    pub fn reset(&self) {
        self.shared.reset();
    }
}
