//! `UserExchanger`: acting for signed-in users, each user's own JWT exchanged for a Databricks
//! token (account-wide federation) and cached per user.

use std::sync::Arc;
use std::time::Duration;

use dbfed::options::{Networked, Target};

use crate::error::DbfedError;
use crate::options::{RetryPolicy, network};
use crate::per_user::{build, per_user_methods, user_cache};

/// How a `UserExchanger` reaches Databricks and which JWTs it takes. Give `host` (a workspace),
/// or `accountHost` with `accountId`, or a `tokenEndpoint`; every other field has a default.
#[derive(Clone, Debug, Default, uniffi::Record)]
pub struct UserExchangerConfig {
    /// The workspace URL (`https://` may be omitted).
    #[uniffi(default)]
    pub host: Option<String>,
    /// The accounts console URL, for account-level APIs (with `accountId`).
    #[uniffi(default)]
    pub account_host: Option<String>,
    /// The Databricks account id.
    #[uniffi(default)]
    pub account_id: Option<String>,
    /// The scopes to request (default `all-apis`).
    #[uniffi(default)]
    pub scopes: Option<Vec<String>>,
    /// The token endpoint, skipping discovery.
    #[uniffi(default)]
    pub token_endpoint: Option<String>,
    /// An OIDC discovery document to read the token endpoint from.
    #[uniffi(default)]
    pub discovery_url: Option<String>,
    /// The most users cached (default 10,000); the least recently used is evicted beyond it.
    #[uniffi(default)]
    pub max_users: Option<i32>,
    /// JWTs from another issuer are refused without a request (empty: any issuer).
    #[uniffi(default)]
    pub expected_issuers: Vec<String>,
    /// JWTs for none of these audiences are refused without a request (empty: any audience).
    #[uniffi(default)]
    pub expected_audiences: Vec<String>,
    /// How long past its `exp` a user's JWT is still accepted (default zero).
    #[uniffi(default)]
    pub expiry_leeway: Option<Duration>,
    /// Answers a JWT that Databricks refused with the same error for this long, without asking
    /// again (default off).
    #[uniffi(default)]
    pub negative_cache: Option<Duration>,
    /// Connect timeout of every request (default 10 s).
    #[uniffi(default)]
    pub connect_timeout: Option<Duration>,
    /// Timeout of every request, whole (default 30 s).
    #[uniffi(default)]
    pub request_timeout: Option<Duration>,
    /// A PEM file of CA certificates to trust besides the system's.
    #[uniffi(default)]
    pub ca_bundle: Option<String>,
    /// Retry rules (default: 5 attempts within 60 s).
    #[uniffi(default)]
    pub retry: Option<RetryPolicy>,
}

/// Databricks tokens for the users of your service, each obtained with the user's own JWT and
/// cached per user (keyed by the JWT's SHA-256, never the JWT): at most `maxUsers`, one exchange
/// however many of a user's requests wait, never served after the user's JWT expires. A JWT that
/// is not a JWT, has expired, or fails the expected issuer or audience is refused with
/// `DbfedException.Source`, without a request. `toString()` shows no JWT or token.
#[derive(uniffi::Object)]
#[uniffi::export(Display)]
pub struct UserExchanger {
    inner: dbfed::UserTokens,
}

#[uniffi::export]
impl UserExchanger {
    /// A user exchanger for `config`. Throws `DbfedException.Config` if the configuration is
    /// incomplete or unsafe.
    #[uniffi::constructor]
    pub fn new(config: UserExchangerConfig) -> Result<Arc<Self>, DbfedError> {
        let target = Target {
            host: config.host,
            account_host: config.account_host,
            account_id: config.account_id,
            scopes: config.scopes,
            token_endpoint: config.token_endpoint,
            discovery_url: config.discovery_url,
            ..Target::default()
        };
        let cache = user_cache(
            config.max_users,
            config.expected_issuers,
            config.expected_audiences,
            config.expiry_leeway,
            config.negative_cache,
        );
        let network = network(
            config.connect_timeout,
            config.request_timeout,
            config.ca_bundle,
            config.retry,
        );
        let inner = build(|| {
            dbfed::UserExchanger::builder()
                .target(target)
                .cache_options(cache)
                .network(&network)?
                .build()
        })?;
        Ok(Arc::new(UserExchanger { inner }))
    }
}

per_user_methods!(UserExchanger, jwt);
