//! [`OidcClient`]: the options of the `OidcClientCredentials` source, with its `auth_method`,
//! `algorithm` and `token_field` names parsed here.

use std::fmt;
use std::str::FromStr;

use super::{Network, Networked};
use crate::error::{Error, Result};
use crate::source::{ClientAuth, KeyAlgorithm, OidcClientCredentials, TokenField};
use crate::token::Secret;

/// How the client authenticates to the IdP (OAuth's `token_endpoint_auth_method` names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMethod {
    /// The client secret in an HTTP Basic header.
    ClientSecretBasic,
    /// The client secret in the form.
    ClientSecretPost,
    /// An assertion signed with a private key (RFC 7523).
    PrivateKeyJwt,
}

/// `value` parsed as one of `names`, or a `ConfigError` listing them.
fn one_of<T: Copy>(option: &str, value: &str, names: &[(&str, T)]) -> Result<T> {
    names
        .iter()
        .find(|(name, _)| *name == value)
        .map(|(_, parsed)| *parsed)
        .ok_or_else(|| {
            let accepted: Vec<String> = names.iter().map(|(name, _)| format!("'{name}'")).collect();
            Error::config(format!(
                "`{option}` must be one of {}, not {value:?}",
                accepted.join(", ")
            ))
        })
}

impl AuthMethod {
    const NAMES: [(&'static str, AuthMethod); 3] = [
        ("client_secret_basic", AuthMethod::ClientSecretBasic),
        ("client_secret_post", AuthMethod::ClientSecretPost),
        ("private_key_jwt", AuthMethod::PrivateKeyJwt),
    ];

    /// Its OAuth name.
    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::ClientSecretPost => "client_secret_post",
            AuthMethod::PrivateKeyJwt => "private_key_jwt",
        }
    }
}

impl FromStr for AuthMethod {
    type Err = Error;

    fn from_str(value: &str) -> Result<Self> {
        one_of("auth_method", value, &Self::NAMES)
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl KeyAlgorithm {
    const NAMES: [(&'static str, KeyAlgorithm); 2] = [
        ("RS256", KeyAlgorithm::Rs256),
        ("ES256", KeyAlgorithm::Es256),
    ];

    /// Its JOSE name (`RS256`).
    pub fn name(self) -> &'static str {
        match self {
            KeyAlgorithm::Rs256 => "RS256",
            KeyAlgorithm::Es256 => "ES256",
        }
    }
}

impl FromStr for KeyAlgorithm {
    type Err = Error;

    fn from_str(value: &str) -> Result<Self> {
        one_of("algorithm", value, &Self::NAMES)
    }
}

impl TokenField {
    const NAMES: [(&'static str, TokenField); 2] = [
        ("access_token", TokenField::AccessToken),
        ("id_token", TokenField::IdToken),
    ];
}

impl FromStr for TokenField {
    type Err = Error;

    fn from_str(value: &str) -> Result<Self> {
        one_of("token_field", value, &Self::NAMES)
    }
}

/// A client of an OIDC identity provider by the client-credentials grant: a `client_secret`
/// or a `private_key_pem`, and the names of how to use it.
#[derive(Clone, Debug, Default)]
pub struct OidcClient {
    /// `issuer`: the IdP (its token endpoint is discovered unless given).
    pub issuer: String,
    /// `client_id`.
    pub client_id: String,
    /// `client_secret` (`client_secret_basic`, the default, or `client_secret_post`).
    pub client_secret: Option<Secret>,
    /// `private_key_pem`: a PKCS#8 or PKCS#1 key (`private_key_jwt`).
    pub private_key_pem: Option<Secret>,
    /// `auth_method`: an [`AuthMethod`] name (default: the secret's or the key's).
    pub auth_method: Option<String>,
    /// `algorithm`: a [`KeyAlgorithm`] name, with a private key (default `RS256`).
    pub algorithm: Option<String>,
    /// `key_id`: the key id the IdP knows the public key by, with a private key.
    pub key_id: Option<String>,
    /// `token_endpoint`: skips discovery.
    pub token_endpoint: Option<String>,
    /// `scope`.
    pub scope: Option<String>,
    /// `audience_parameter`: sends the credential's audience in this form field.
    pub audience_parameter: Option<String>,
    /// `token_field`: `access_token` (default) or `id_token`.
    pub token_field: Option<String>,
    /// HTTP settings of the IdP requests.
    pub network: Network,
}

impl OidcClient {
    /// Checks the options and builds the source; no network call is made.
    pub fn build(&self) -> Result<OidcClientCredentials> {
        for (name, value) in [("issuer", &self.issuer), ("client_id", &self.client_id)] {
            if value.trim().is_empty() {
                return Err(Error::config(format!("`{name}` is needed")));
            }
        }
        let method = self.auth_method.as_deref().map(str::parse).transpose()?;
        let algorithm: Option<KeyAlgorithm> =
            self.algorithm.as_deref().map(str::parse).transpose()?;
        let field: Option<TokenField> = self.token_field.as_deref().map(str::parse).transpose()?;
        let auth = match (&self.client_secret, &self.private_key_pem) {
            (Some(secret), None) => {
                if self.key_id.is_some() || algorithm.is_some() {
                    return Err(Error::config(
                        "`algorithm` and `key_id` go with a `private_key_pem`, not with a `client_secret`",
                    ));
                }
                match method.unwrap_or(AuthMethod::ClientSecretBasic) {
                    AuthMethod::ClientSecretBasic => ClientAuth::SecretBasic(secret.clone()),
                    AuthMethod::ClientSecretPost => ClientAuth::SecretPost(secret.clone()),
                    AuthMethod::PrivateKeyJwt => {
                        return Err(Error::config(
                            "with a `client_secret`, `auth_method` is 'client_secret_basic' or 'client_secret_post', not 'private_key_jwt'",
                        ));
                    }
                }
            }
            (None, Some(key_pem)) => {
                if let Some(method) = method.filter(|method| *method != AuthMethod::PrivateKeyJwt) {
                    return Err(Error::config(format!(
                        "with a `private_key_pem`, `auth_method` is 'private_key_jwt', not '{method}'"
                    )));
                }
                ClientAuth::PrivateKeyJwt {
                    key_pem: key_pem.clone(),
                    algorithm: algorithm.unwrap_or(KeyAlgorithm::Rs256),
                    key_id: self.key_id.clone(),
                }
            }
            (Some(_), Some(_)) => {
                return Err(Error::config(
                    "give `client_secret` or `private_key_pem`, not both",
                ));
            }
            (None, None) => {
                return Err(Error::config(
                    "the client needs a `client_secret` (client_secret_basic or client_secret_post) or a `private_key_pem` (private_key_jwt)",
                ));
            }
        };
        let mut source =
            OidcClientCredentials::new(self.issuer.clone(), self.client_id.clone(), auth)
                .token_field(field.unwrap_or_default())
                .network(&self.network)?;
        if let Some(url) = &self.token_endpoint {
            source = source.token_endpoint(url.clone());
        }
        if let Some(scope) = &self.scope {
            source = source.scope(scope.clone());
        }
        if let Some(name) = &self.audience_parameter {
            source = source.audience_parameter(name.clone());
        }
        Ok(source)
    }
}
