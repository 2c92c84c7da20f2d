//! The sources that request their JWT over HTTP, cached until shortly before it expires: GitHub
//! Actions, Azure DevOps, the GCP metadata server and any OIDC IdP by client credentials
//! (`Source.gitHubActions`, `Source.azureDevOps`, `Source.gcpMetadata`,
//! `Source.oidcClientCredentials`). Each takes `NetworkSettings` for its own requests, which the core
//! checks, as it parses the OIDC client's names and checks how they combine.

use std::sync::Arc;

use dbfed::SubjectTokenSource;
use dbfed::options::{Networked, OidcClient};
use dbfed::source;

use crate::azure::ClientSecret;
use crate::error::DbfedError;
use crate::options::{NetworkSettings, network};
use crate::source::Source;

/// How `Source.oidcClientCredentials` gets its JWT from an OIDC identity provider (Okta, Auth0,
/// Keycloak, Entra, …) by the client-credentials grant. The client authenticates with
/// `clientSecret` (HTTP Basic, or in the form with `authMethod = "client_secret_post"`) or with
/// `privateKeyPem` (RFC 7523 `private_key_jwt`, signed with `algorithm`); give exactly one.
#[derive(Clone, uniffi::Record)]
pub struct OidcClientCredentialsConfig {
    /// The IdP's issuer URL (required); its token endpoint comes from
    /// `{issuer}/.well-known/openid-configuration` unless `tokenEndpoint` is given.
    #[uniffi(default = "")]
    pub issuer: String,
    /// The client id at the IdP (required).
    #[uniffi(default = "")]
    pub client_id: String,
    /// The client secret (`client_secret_basic`, or `client_secret_post` with `authMethod`).
    #[uniffi(default)]
    pub client_secret: Option<Arc<ClientSecret>>,
    /// A PKCS#8 or PKCS#1 private key, its PEM text as a `ClientSecret` (`private_key_jwt`).
    #[uniffi(default)]
    pub private_key_pem: Option<Arc<ClientSecret>>,
    /// `client_secret_basic` (the default with a secret), `client_secret_post` or
    /// `private_key_jwt` (the default with a key).
    #[uniffi(default)]
    pub auth_method: Option<String>,
    /// `RS256` (the default) or `ES256`, with `privateKeyPem`.
    #[uniffi(default)]
    pub algorithm: Option<String>,
    /// The `kid` the IdP knows the public key by, with `privateKeyPem`.
    #[uniffi(default)]
    pub key_id: Option<String>,
    /// The token endpoint, skipping discovery.
    #[uniffi(default)]
    pub token_endpoint: Option<String>,
    /// The scope to request, when given.
    #[uniffi(default)]
    pub scope: Option<String>,
    /// The form field carrying the credential's audience (Auth0: `audience`, Entra v1:
    /// `resource`); by default none is sent.
    #[uniffi(default)]
    pub audience_parameter: Option<String>,
    /// The response field holding the JWT: `access_token` (the default) or `id_token`.
    #[uniffi(default)]
    pub token_field: Option<String>,
    /// Timeouts, CA bundle and retry rules of its requests (default: their defaults).
    #[uniffi(default)]
    pub network: Option<NetworkSettings>,
}

/// The source `core` with the network settings given, checked by the core.
fn networked<T: Networked + SubjectTokenSource>(
    core: T,
    settings: Option<NetworkSettings>,
) -> Result<Arc<Source>, DbfedError> {
    Ok(Source::new(core.network(&network(settings))?))
}

/// GitHub Actions: the job's OIDC ID token (`permissions: id-token: write`), requested from
/// `ACTIONS_ID_TOKEN_REQUEST_URL` with `ACTIONS_ID_TOKEN_REQUEST_TOKEN` for `audience`, by
/// default the credential's. Throws `DbfedException.Config` if the network settings are
/// unsafe.
#[uniffi::export(default(
    audience = None,
    network = None
))]
pub fn source_git_hub_actions(
    audience: Option<String>,
    network: Option<NetworkSettings>,
) -> Result<Arc<Source>, DbfedError> {
    let mut core = source::GitHubActions::new();
    if let Some(audience) = audience {
        core = core.audience(audience);
    }
    networked(core, network)
}

/// Azure DevOps Pipelines: an ID token for the service connection whose id is
/// `serviceConnection` (subject `sc://org/project/connection`), else for the one
/// `AZURESUBSCRIPTION_SERVICE_CONNECTION_ID` names, else the pipeline's own (subject
/// `p://org/project/pipeline`). Needs `SYSTEM_ACCESSTOKEN` mapped into the step. Throws
/// `DbfedException.Config` if the network settings are unsafe.
#[uniffi::export(default(
    service_connection = None,
    network = None
))]
pub fn source_azure_dev_ops(
    service_connection: Option<String>,
    network: Option<NetworkSettings>,
) -> Result<Arc<Source>, DbfedError> {
    let mut core = source::AzureDevOps::new();
    if let Some(id) = service_connection {
        core = core.service_connection(id);
    }
    networked(core, network)
}

/// Google Cloud (GCE, GKE, Cloud Run): the default service account's identity token for the
/// audience, from the metadata server at `host` (host and port), else `GCE_METADATA_HOST`,
/// else `metadata.google.internal`. Throws `DbfedException.Config` if the network settings
/// are unsafe.
#[uniffi::export(default(
    host = None,
    network = None
))]
pub fn source_gcp_metadata(
    host: Option<String>,
    network: Option<NetworkSettings>,
) -> Result<Arc<Source>, DbfedError> {
    let mut core = source::GcpMetadata::new();
    if let Some(host) = host {
        core = core.host(host);
    }
    networked(core, network)
}

/// Any OIDC identity provider, by the client-credentials grant (see
/// `OidcClientCredentialsConfig`). No request is made here. Throws `DbfedException.Config`
/// for an unknown `authMethod`, `algorithm` or `tokenField`, a contradictory combination, a
/// key that is not a usable PEM key, or unsafe network settings. `toString()` never shows
/// the secret or the key.
#[uniffi::export]
pub fn source_oidc_client_credentials(
    config: OidcClientCredentialsConfig,
) -> Result<Arc<Source>, DbfedError> {
    let client = OidcClient {
        issuer: config.issuer,
        client_id: config.client_id,
        client_secret: config.client_secret.map(|secret| secret.secret.clone()),
        private_key_pem: config.private_key_pem.map(|key| key.secret.clone()),
        auth_method: config.auth_method,
        algorithm: config.algorithm,
        key_id: config.key_id,
        token_endpoint: config.token_endpoint,
        scope: config.scope,
        audience_parameter: config.audience_parameter,
        token_field: config.token_field,
        network: network(config.network),
    };
    Ok(Source::new(client.build()?))
}
