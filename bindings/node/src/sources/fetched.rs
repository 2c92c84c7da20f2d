//! Sources that request their JWT over HTTP, cached until shortly before it expires: GitHub
//! Actions, Azure DevOps, the GCP metadata server, any OIDC IdP by client credentials. Each
//! takes the network settings of the options objects for its own requests.

use dbfed::Secret;
use dbfed::options::{Network, Networked, OidcClient};
use dbfed::source;
use napi::Env;
use napi_derive::napi;

use super::Source;
use crate::errors;
use crate::options::NetworkOptions;

/// The client-credentials settings of `OidcClientCredentials`.
#[napi(object)]
pub struct OidcClientOptions {
    /// The IdP's issuer URL.
    pub issuer: String,
    /// The client id at the IdP.
    pub client_id: String,
    /// The client secret (`client_secret_basic`, or `client_secret_post` with `authMethod`).
    pub client_secret: Option<String>,
    /// A PKCS#8 PEM private key (RFC 7523 `private_key_jwt`).
    pub private_key_pem: Option<String>,
    /// `client_secret_basic` (default with a secret), `client_secret_post` or `private_key_jwt`.
    pub auth_method: Option<String>,
    /// `RS256` (default) or `ES256`, for `privateKeyPem`.
    pub algorithm: Option<String>,
    /// The `kid` of the key, for `privateKeyPem`.
    pub key_id: Option<String>,
    /// The token endpoint, skipping discovery.
    pub token_endpoint: Option<String>,
    /// The scope to request.
    pub scope: Option<String>,
    /// The form field carrying the credential's audience (Auth0: `audience`).
    pub audience_parameter: Option<String>,
    /// `access_token` (default) or `id_token`: the response field holding the JWT.
    pub token_field: Option<String>,
}

/// `core` with the network settings `network`, checked by the core.
fn networked<T: Networked>(env: &Env, core: T, network: NetworkOptions) -> napi::Result<T> {
    errors::checked(env, core.network(&network.into()))
}

#[napi]
impl Source {
    /// GitHub Actions: the job's OIDC ID token for `audience`, by default the credential's.
    #[napi(factory)]
    pub fn github_actions(
        env: Env,
        audience: Option<String>,
        network: NetworkOptions,
    ) -> napi::Result<Self> {
        let mut core = networked(&env, source::GitHubActions::new(), network)?;
        if let Some(audience) = audience {
            core = core.audience(audience);
        }
        Ok(Source::new(core))
    }

    /// Azure DevOps: an ID token for the service connection `serviceConnection`, else the one
    /// `AZURESUBSCRIPTION_SERVICE_CONNECTION_ID` names, else the pipeline's own.
    #[napi(factory)]
    pub fn azure_devops(
        env: Env,
        service_connection: Option<String>,
        network: NetworkOptions,
    ) -> napi::Result<Self> {
        let mut core = networked(&env, source::AzureDevOps::new(), network)?;
        if let Some(id) = service_connection {
            core = core.service_connection(id);
        }
        Ok(Source::new(core))
    }

    /// Google Cloud: the metadata server's identity token for the audience (`host`, else
    /// `GCE_METADATA_HOST`, else `metadata.google.internal`).
    #[napi(factory)]
    pub fn gcp_metadata(
        env: Env,
        host: Option<String>,
        network: NetworkOptions,
    ) -> napi::Result<Self> {
        let mut core = networked(&env, source::GcpMetadata::new(), network)?;
        if let Some(host) = host {
            core = core.host(host);
        }
        Ok(Source::new(core))
    }

    /// Any OIDC identity provider, by the client-credentials grant; the core parses the names
    /// of `authMethod`, `algorithm` and `tokenField` and checks how they combine.
    #[napi(factory)]
    pub fn oidc_client_credentials(
        env: Env,
        client: OidcClientOptions,
        network: NetworkOptions,
    ) -> napi::Result<Self> {
        let client = OidcClient {
            issuer: client.issuer,
            client_id: client.client_id,
            client_secret: client.client_secret.map(Secret::new),
            private_key_pem: client.private_key_pem.map(Secret::new),
            auth_method: client.auth_method,
            algorithm: client.algorithm,
            key_id: client.key_id,
            token_endpoint: client.token_endpoint,
            scope: client.scope,
            audience_parameter: client.audience_parameter,
            token_field: client.token_field,
            network: Network::from(network),
        };
        Ok(Source::new(errors::checked(&env, client.build())?))
    }
}
