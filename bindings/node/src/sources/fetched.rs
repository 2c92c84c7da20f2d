//! Sources that request their JWT over HTTP, cached until shortly before it expires: GitHub
//! Actions, Azure DevOps, the GCP metadata server, any OIDC IdP by client credentials. Each
//! takes the network settings of the options objects for its own requests.

use dbfed::Secret;
use dbfed::options::OidcClient;
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

/// Factories of the sources with one optional setting: `factory(setting) => Core::setter;`
/// makes `Core::new()` with the network settings, and calls `.setter(setting)` when it is
/// given. Their doc strings are `#[doc = "…"]` (see `factories!` in `sources/mod.rs`).
macro_rules! fetched {
    ($($(#[$doc:meta])* $factory:ident($setting:ident) => $core:ident::$setter:ident;)*) => {
        #[napi]
        impl Source {$(
            $(#[$doc])*
            #[napi(factory)]
            pub fn $factory(
                env: Env,
                $setting: Option<String>,
                network: NetworkOptions,
            ) -> napi::Result<Self> {
                let core = network.apply(&env, source::$core::new())?;
                Ok(Source::new(match $setting {
                    Some(value) => core.$setter(value),
                    None => core,
                }))
            }
        )*}
    };
}

fetched! {
    #[doc = "GitHub Actions: the job's OIDC ID token for `audience`, by default the credential's."]
    github_actions(audience) => GitHubActions::audience;
    #[doc = "Azure DevOps: an ID token for the service connection `serviceConnection`, else the one"]
    #[doc = "`AZURESUBSCRIPTION_SERVICE_CONNECTION_ID` names, else the pipeline's own."]
    azure_devops(service_connection) => AzureDevOps::service_connection;
    #[doc = "Google Cloud: the metadata server's identity token for the audience (`host`, else"]
    #[doc = "`GCE_METADATA_HOST`, else `metadata.google.internal`)."]
    gcp_metadata(host) => GcpMetadata::host;
}

impl OidcClientOptions {
    /// The core's client, with `network` for its requests.
    fn into_core(self, network: NetworkOptions) -> OidcClient {
        OidcClient {
            issuer: self.issuer,
            client_id: self.client_id,
            client_secret: self.client_secret.map(Secret::new),
            private_key_pem: self.private_key_pem.map(Secret::new),
            auth_method: self.auth_method,
            algorithm: self.algorithm,
            key_id: self.key_id,
            token_endpoint: self.token_endpoint,
            scope: self.scope,
            audience_parameter: self.audience_parameter,
            token_field: self.token_field,
            network: network.into(),
        }
    }
}

#[napi]
impl Source {
    /// Any OIDC identity provider, by the client-credentials grant; the core parses the names
    /// of `authMethod`, `algorithm` and `tokenField` and checks how they combine.
    #[napi(factory)]
    pub fn oidc_client_credentials(
        env: Env,
        client: OidcClientOptions,
        network: NetworkOptions,
    ) -> napi::Result<Self> {
        let client = client.into_core(network);
        Ok(Source::new(errors::checked(&env, client.build())?))
    }
}
