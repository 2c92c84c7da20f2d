//! Sources that request their JWT over HTTP, cached until shortly before it expires: GitHub
//! Actions, Azure DevOps, the GCP metadata server, any OIDC IdP by client credentials. Each
//! takes the HTTP settings of the options objects for its own requests.

use dbfed::Secret;
use dbfed::source::{self, ClientAuth, KeyAlgorithm, TokenField};
use napi::Env;
use napi_derive::napi;

use super::Source;
use crate::errors;
use crate::options::HttpSettings;

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

#[napi]
impl Source {
    /// GitHub Actions: the job's OIDC ID token for `audience`, by default the credential's.
    #[napi(factory)]
    pub fn github_actions(
        env: Env,
        audience: Option<String>,
        http: HttpSettings,
    ) -> napi::Result<Self> {
        let mut core = source::GitHubActions::new()
            .http_options(http.http_options(&env)?)
            .retry_policy(http.retry_policy(&env)?);
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
        http: HttpSettings,
    ) -> napi::Result<Self> {
        let mut core = source::AzureDevOps::new()
            .http_options(http.http_options(&env)?)
            .retry_policy(http.retry_policy(&env)?);
        if let Some(id) = service_connection {
            core = core.service_connection(id);
        }
        Ok(Source::new(core))
    }

    /// Google Cloud: the metadata server's identity token for the audience (`host`, else
    /// `GCE_METADATA_HOST`, else `metadata.google.internal`).
    #[napi(factory)]
    pub fn gcp_metadata(env: Env, host: Option<String>, http: HttpSettings) -> napi::Result<Self> {
        let mut core = source::GcpMetadata::new()
            .http_options(http.http_options(&env)?)
            .retry_policy(http.retry_policy(&env)?);
        if let Some(host) = host {
            core = core.host(host);
        }
        Ok(Source::new(core))
    }

    /// Any OIDC identity provider, by the client-credentials grant.
    #[napi(factory)]
    pub fn oidc_client_credentials(
        env: Env,
        client: OidcClientOptions,
        http: HttpSettings,
    ) -> napi::Result<Self> {
        let field = match client.token_field.as_deref() {
            None | Some("access_token") => TokenField::AccessToken,
            Some("id_token") => TokenField::IdToken,
            Some(other) => {
                return Err(errors::config(
                    &env,
                    format!("tokenField must be 'access_token' or 'id_token', not {other:?}"),
                ));
            }
        };
        let auth = client_auth(&env, &client)?;
        let mut core = source::OidcClientCredentials::new(client.issuer, client.client_id, auth)
            .token_field(field)
            .http_options(http.http_options(&env)?)
            .retry_policy(http.retry_policy(&env)?);
        if let Some(url) = client.token_endpoint {
            core = core.token_endpoint(url);
        }
        if let Some(scope) = client.scope {
            core = core.scope(scope);
        }
        if let Some(name) = client.audience_parameter {
            core = core.audience_parameter(name);
        }
        Ok(Source::new(core))
    }
}

/// The core's client authentication: a secret or a private key, exactly one.
fn client_auth(env: &Env, client: &OidcClientOptions) -> napi::Result<ClientAuth> {
    let fail = |message: &str| Err(errors::config(env, message));
    match (&client.client_secret, &client.private_key_pem) {
        (Some(secret), None) => {
            if client.key_id.is_some() || client.algorithm.is_some() {
                return fail("algorithm and keyId apply to privateKeyPem, not to a clientSecret");
            }
            let secret = Secret::new(secret.as_str());
            match client.auth_method.as_deref() {
                None | Some("client_secret_basic") => Ok(ClientAuth::SecretBasic(secret)),
                Some("client_secret_post") => Ok(ClientAuth::SecretPost(secret)),
                Some(_) => fail(
                    "with a clientSecret, authMethod is 'client_secret_basic' or 'client_secret_post'",
                ),
            }
        }
        (None, Some(key_pem)) => {
            if !matches!(
                client.auth_method.as_deref(),
                None | Some("private_key_jwt")
            ) {
                return fail("with a privateKeyPem, authMethod is 'private_key_jwt'");
            }
            let algorithm = match client.algorithm.as_deref() {
                None | Some("RS256") => KeyAlgorithm::Rs256,
                Some("ES256") => KeyAlgorithm::Es256,
                Some(_) => return fail("algorithm must be 'RS256' or 'ES256'"),
            };
            Ok(ClientAuth::PrivateKeyJwt {
                key_pem: Secret::new(key_pem.as_str()),
                algorithm,
                key_id: client.key_id.clone(),
            })
        }
        _ => fail("give exactly one of clientSecret and privateKeyPem"),
    }
}
