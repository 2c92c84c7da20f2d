//! Any OIDC identity provider (Okta, Auth0, Keycloak, Entra, …) by the client-credentials grant.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use futures::future::BoxFuture;
use serde::Deserialize;
use url::Url;

use super::fetched::{CachedJwt, FetchJwt, fetch_with_retries, jwt_in_json};
use super::{SourceContext, SubjectTokenSource};
use crate::error::{Error, Result};
use crate::http::{HttpClient, HttpOptions, display_url, secure_url};
use crate::options::{Description, Shown};
use crate::retry::RetryPolicy;
use crate::token::{Secret, SubjectToken};

const NAME: &str = "oidc-client-credentials";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Lifetime of a `private_key_jwt` client assertion.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(300);

/// How the client proves who it is to the identity provider.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ClientAuth {
    /// `client_secret_basic`: the secret in an HTTP Basic header.
    SecretBasic(Secret),
    /// `client_secret_post`: the secret in the form.
    SecretPost(Secret),
    /// `private_key_jwt` (RFC 7523): an assertion signed with this PEM private key.
    PrivateKeyJwt {
        /// PKCS#8 (or PKCS#1 for RSA) PEM private key.
        key_pem: Secret,
        /// Signing algorithm: RS256 or ES256.
        algorithm: KeyAlgorithm,
        /// The key id the IdP knows the public key by, if it needs one.
        key_id: Option<String>,
    },
}

/// Signing algorithm of a `private_key_jwt` assertion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// ECDSA P-256 with SHA-256.
    Es256,
}

/// Which field of the IdP's token response holds the JWT to exchange.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenField {
    /// `access_token` (default; most IdPs issue JWT access tokens for client credentials).
    #[default]
    AccessToken,
    /// `id_token`.
    IdToken,
}

impl TokenField {
    /// Its name in a token response (`access_token`).
    pub fn name(self) -> &'static str {
        match self {
            TokenField::AccessToken => "access_token",
            TokenField::IdToken => "id_token",
        }
    }
}

/// Gets JWTs from an OIDC identity provider with the client-credentials grant, cached until
/// shortly before they expire.
#[derive(Debug)]
pub struct OidcClientCredentials {
    issuer: String,
    token_endpoint: Option<String>,
    client_id: String,
    auth: ClientAuth,
    scope: Option<String>,
    audience_parameter: Option<String>,
    field: TokenField,
    http: HttpOptions,
    retry: RetryPolicy,
    cached: CachedJwt,
}

impl OidcClientCredentials {
    /// A client of the IdP at `issuer` (its token endpoint is read from
    /// `{issuer}/.well-known/openid-configuration` unless given).
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>, auth: ClientAuth) -> Self {
        OidcClientCredentials {
            issuer: issuer.into(),
            token_endpoint: None,
            client_id: client_id.into(),
            auth,
            scope: None,
            audience_parameter: None,
            field: TokenField::default(),
            http: HttpOptions::default(),
            retry: RetryPolicy::default(),
            cached: CachedJwt::default(),
        }
    }

    /// The token endpoint, skipping discovery.
    pub fn token_endpoint(mut self, url: impl Into<String>) -> Self {
        self.token_endpoint = Some(url.into());
        self
    }

    /// The `scope` to request.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Sends the credential's audience in this form parameter (Auth0 calls it `audience`,
    /// Entra v1 `resource`); by default none is sent and the IdP decides the audience.
    pub fn audience_parameter(mut self, name: impl Into<String>) -> Self {
        self.audience_parameter = Some(name.into());
        self
    }

    /// Which response field holds the JWT (default `access_token`).
    pub fn token_field(mut self, field: TokenField) -> Self {
        self.field = field;
        self
    }

    /// Timeouts and TLS settings for the IdP requests.
    pub fn http_options(mut self, options: HttpOptions) -> Self {
        self.http = options;
        self
    }

    /// Retry rules for the IdP requests.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
}

impl SubjectTokenSource for OidcClientCredentials {
    fn name(&self) -> &str {
        NAME
    }

    fn describe(&self) -> Description {
        let mut description = Description::new("OidcClientCredentials")
            .positional("issuer", Shown::Text(self.issuer.clone()))
            .positional("client_id", Shown::Text(self.client_id.clone()));
        let method = match &self.auth {
            ClientAuth::SecretBasic(_) => "client_secret_basic",
            ClientAuth::SecretPost(_) => "client_secret_post",
            ClientAuth::PrivateKeyJwt { .. } => "private_key_jwt",
        };
        description = description.field("auth_method", Shown::Text(method.to_owned()));
        if let ClientAuth::PrivateKeyJwt {
            algorithm, key_id, ..
        } = &self.auth
        {
            description = description
                .field("algorithm", Shown::Text(algorithm.name().to_owned()))
                .text("key_id", key_id.as_deref());
        }
        description = description
            .text("token_endpoint", self.token_endpoint.as_deref())
            .text("scope", self.scope.as_deref())
            .text("audience_parameter", self.audience_parameter.as_deref());
        if self.field != TokenField::default() {
            description =
                description.field("token_field", Shown::Text(self.field.name().to_owned()));
        }
        description
    }

    fn check(&self) -> Result<()> {
        secure_url(&self.issuer, "issuer")?;
        if let Some(url) = &self.token_endpoint {
            secure_url(url, "token endpoint")?;
        }
        if let ClientAuth::PrivateKeyJwt {
            key_pem, algorithm, ..
        } = &self.auth
        {
            encoding_key(key_pem, *algorithm)?;
        }
        Ok(())
    }

    fn subject_token<'a>(
        &'a self,
        context: &'a SourceContext,
    ) -> BoxFuture<'a, Result<SubjectToken>> {
        let audience = if self.audience_parameter.is_some() {
            context.audience.as_str()
        } else {
            ""
        };
        Box::pin(self.cached.get(audience, || {
            Ok(OidcFetcher {
                issuer: self.issuer.clone(),
                token_endpoint: self
                    .token_endpoint
                    .as_deref()
                    .map(|url| secure_url(url, "token endpoint"))
                    .transpose()?,
                client_id: self.client_id.clone(),
                auth: self.auth.clone(),
                scope: self.scope.clone(),
                audience_parameter: self.audience_parameter.clone(),
                field: self.field,
                http: HttpClient::new(&self.http)?,
                retry: self.retry.clone(),
                discovered: tokio::sync::OnceCell::new(),
            })
        }))
    }
}

#[derive(Debug)]
struct OidcFetcher {
    issuer: String,
    token_endpoint: Option<Url>,
    client_id: String,
    auth: ClientAuth,
    scope: Option<String>,
    audience_parameter: Option<String>,
    field: TokenField,
    http: HttpClient,
    retry: RetryPolicy,
    discovered: tokio::sync::OnceCell<Url>,
}

#[derive(Deserialize)]
struct OpenIdConfiguration {
    token_endpoint: Option<String>,
}

impl OidcFetcher {
    /// The token endpoint: configured, or read once from the issuer's discovery document.
    async fn token_endpoint(&self) -> Result<Url> {
        if let Some(url) = &self.token_endpoint {
            return Ok(url.clone());
        }
        self.discovered
            .get_or_try_init(|| async {
                let discovery = secure_url(
                    &format!(
                        "{}/.well-known/openid-configuration",
                        self.issuer.trim_end_matches('/')
                    ),
                    "OIDC discovery URL",
                )?;
                let response = fetch_with_retries(NAME, &discovery, &self.retry, || {
                    self.http.get(&discovery, &[("Accept", "application/json")])
                })
                .await?;
                let document: OpenIdConfiguration = serde_json::from_slice(&response.body)
                    .map_err(|err| {
                        Error::source(
                            NAME,
                            format!("{} is not JSON: {err}", display_url(&discovery)),
                        )
                    })?;
                let endpoint = document.token_endpoint.ok_or_else(|| {
                    Error::source(
                        NAME,
                        format!("{} has no token_endpoint", display_url(&discovery)),
                    )
                })?;
                secure_url(&endpoint, "token endpoint from the OIDC discovery document")
            })
            .await
            .cloned()
    }

    /// A `private_key_jwt` client assertion for `token_endpoint` (RFC 7523 §3).
    fn client_assertion(
        &self,
        token_endpoint: &Url,
        key_pem: &Secret,
        algorithm: KeyAlgorithm,
        key_id: Option<&str>,
    ) -> Result<String> {
        let key = encoding_key(key_pem, algorithm)?;
        let mut header = jsonwebtoken::Header::new(match algorithm {
            KeyAlgorithm::Rs256 => jsonwebtoken::Algorithm::RS256,
            KeyAlgorithm::Es256 => jsonwebtoken::Algorithm::ES256,
        });
        header.kid = key_id.map(str::to_owned);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let claims = serde_json::json!({
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": token_endpoint.as_str(),
            "jti": format!("{:032x}", fastrand::u128(..)),
            "iat": now,
            "exp": now + ASSERTION_LIFETIME.as_secs(),
        });
        jsonwebtoken::encode(&header, &claims, &key)
            .map_err(|err| Error::config(format!("cannot sign the client assertion: {err}")))
    }
}

/// The signing key of a `private_key_jwt` assertion, from its PEM text.
fn encoding_key(key_pem: &Secret, algorithm: KeyAlgorithm) -> Result<jsonwebtoken::EncodingKey> {
    let pem = key_pem.expose().as_bytes();
    match algorithm {
        KeyAlgorithm::Rs256 => jsonwebtoken::EncodingKey::from_rsa_pem(pem),
        KeyAlgorithm::Es256 => jsonwebtoken::EncodingKey::from_ec_pem(pem),
    }
    .map_err(|err| {
        Error::config(format!(
            "the private_key_jwt key is not a usable PEM key for {algorithm:?}: {err}"
        ))
    })
}

impl FetchJwt for OidcFetcher {
    fn fetch<'a>(&'a self, audience: &'a str) -> BoxFuture<'a, Result<SubjectToken>> {
        Box::pin(async move {
            let url = self.token_endpoint().await?;
            let mut form: Vec<(&str, String)> = vec![("grant_type", "client_credentials".into())];
            let mut basic = None;
            match &self.auth {
                ClientAuth::SecretBasic(secret) => {
                    let pair = format!(
                        "{}:{}",
                        form_encode(&self.client_id),
                        form_encode(secret.expose())
                    );
                    basic = Some(format!("Basic {}", STANDARD.encode(pair)));
                }
                ClientAuth::SecretPost(secret) => {
                    form.push(("client_id", self.client_id.clone()));
                    form.push(("client_secret", secret.expose().to_owned()));
                }
                ClientAuth::PrivateKeyJwt {
                    key_pem,
                    algorithm,
                    key_id,
                } => {
                    form.push(("client_id", self.client_id.clone()));
                    form.push(("client_assertion_type", ASSERTION_TYPE.into()));
                    let assertion =
                        self.client_assertion(&url, key_pem, *algorithm, key_id.as_deref())?;
                    form.push(("client_assertion", assertion));
                }
            }
            if let Some(scope) = &self.scope {
                form.push(("scope", scope.clone()));
            }
            if let Some(parameter) = &self.audience_parameter {
                form.push((parameter.as_str(), audience.to_owned()));
            }
            let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let headers: Vec<(&str, &str)> = basic
                .as_deref()
                .map(|value| ("Authorization", value))
                .into_iter()
                .collect();
            let response = fetch_with_retries(NAME, &url, &self.retry, || {
                self.http.post_form(&url, &fields, &headers)
            })
            .await?;
            jwt_in_json(NAME, &response, self.field.name())
        })
    }
}

/// RFC 6749 §2.3.1: the id and secret are form-encoded before going into Basic credentials.
fn form_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
