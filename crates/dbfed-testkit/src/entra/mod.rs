//! A Microsoft Entra ID look-alike: the v1 and v2 token endpoints of a tenant
//! (`/entra/{tenant}/oauth2/token`, `/entra/{tenant}/oauth2/v2.0/token`) with client secrets,
//! federated client assertions and on-behalf-of, and the Azure Instance Metadata Service's
//! managed-identity endpoint (`/metadata/identity/oauth2/token`).
//!
//! Tokens it issues are JWTs signed by the testkit IdP's keys, so the protected Databricks API
//! accepts those whose audience is the Azure Databricks resource, as Azure Databricks does.

mod control;
mod error;
mod grant;
mod imds;
mod record;
mod tokens;

pub use imds::APP_SERVICE_IDENTITY_HEADER;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use crate::duration_serde;
use crate::state::Shared;

pub(crate) use record::{is_entra_request, record};
pub(crate) use tokens::{mint_user_token, principal_of};

/// The Azure Databricks resource (application) id: the audience of Entra tokens it accepts.
pub const AZURE_DATABRICKS_RESOURCE_ID: &str = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d";

/// The audience of a federated credential when none is configured, as in Entra.
pub const DEFAULT_FEDERATED_AUDIENCE: &str = "api://AzureADTokenExchange";

/// Path of the IMDS managed-identity token endpoint.
pub(crate) const IMDS_TOKEN_PATH: &str = "/metadata/identity/oauth2/token";
/// The path of the fake App Service identity endpoint (what `IDENTITY_ENDPOINT` points at).
pub(crate) const APP_SERVICE_TOKEN_PATH: &str = "/msi/token";

/// An application registered in a tenant of the fake Entra (`Testkit::add_entra_app`,
/// `POST /_testkit/entra/apps`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EntraApp {
    /// The tenant (directory) id, the `{tenant}` of the token endpoint paths.
    pub tenant: String,
    /// The application (client) id.
    pub client_id: String,
    /// The client secret, if the app has one.
    pub secret: Option<String>,
    /// Trusted issuers of client assertions (workload identity federation).
    pub federated_credentials: Vec<FederatedCredential>,
}

/// A federated identity credential of an [`EntraApp`]: which external JWTs may authenticate it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FederatedCredential {
    /// Required `iss` of the assertion.
    pub issuer: String,
    /// Required `sub` of the assertion.
    pub subject: String,
    /// Required `aud` of the assertion; default [`DEFAULT_FEDERATED_AUDIENCE`].
    pub audience: Option<String>,
}

/// A managed identity that the fake IMDS hands tokens for (`Testkit::add_managed_identity`,
/// `POST /_testkit/entra/managed_identities`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ManagedIdentity {
    /// The tenant the identity belongs to.
    pub tenant: String,
    /// The identity's client id (what a request for a user-assigned identity names).
    pub client_id: String,
    /// Whether it is the VM's system-assigned identity (used when a request names none).
    pub system_assigned: bool,
}

/// A signed-in user's Entra access token to mint, as a front end would receive it and pass to
/// its API (`Testkit::mint_entra_user_token`, `POST /_testkit/entra/user_tokens`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EntraUserToken {
    /// The tenant that signs the token in.
    pub tenant: String,
    /// The user's principal name (`upn`), e.g. `alice@contoso.com`.
    pub upn: String,
    /// The user's object id (`oid`); default derived from the upn.
    pub oid: Option<String>,
    /// The token's audience: the client id of the API that will pass it on behalf of the user.
    pub audience: String,
    /// Time until `exp` (`lifetime_secs` in JSON); default the testkit's token lifetime.
    #[serde(rename = "lifetime_secs", with = "duration_serde::opt_secs")]
    pub lifetime: Option<Duration>,
    /// Put `exp` in the past.
    pub expired: bool,
}

/// One request received by the fake Entra or IMDS, as the client sent it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedEntraRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// Request path, e.g. `/entra/my-tenant/oauth2/token`.
    pub path: String,
    /// Query parameters in the order received.
    pub query: Vec<(String, String)>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// Form fields in the order received; empty unless the body was form-encoded.
    pub form: Vec<(String, String)>,
}

/// What the fake Entra remembers; part of the testkit state, cleared by `reset`.
#[derive(Debug, Default)]
pub(crate) struct EntraState {
    pub apps: Vec<EntraApp>,
    pub managed_identities: Vec<ManagedIdentity>,
    pub requests: Vec<RecordedEntraRequest>,
}

/// Routes of the fake Entra, the fake IMDS and their controls.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/entra/{tenant}/oauth2/token", post(grant::v1_token))
        .route("/entra/{tenant}/oauth2/v2.0/token", post(grant::v2_token))
        .route(IMDS_TOKEN_PATH, get(imds::token))
        .route(APP_SERVICE_TOKEN_PATH, get(imds::app_service_token))
        .merge(control::routes())
}

/// `{url}/entra`: what `AZURE_AUTHORITY_HOST` is set to for the fake Entra.
pub(crate) fn authority(shared: &Shared) -> String {
    format!("{}/entra", shared.url)
}

/// `{url}/entra/{tenant}/`: the `iss` of v1 tokens (Entra's is `https://sts.windows.net/{tenant}/`).
fn v1_issuer(shared: &Shared, tenant: &str) -> String {
    format!("{}/{tenant}/", authority(shared))
}

/// `{url}/entra/{tenant}/v2.0`: the `iss` of v2 tokens.
fn v2_issuer(shared: &Shared, tenant: &str) -> String {
    format!("{}/{tenant}/v2.0", authority(shared))
}
