//! `UserExchanger`: acting for signed-in users, each user's own JWT exchanged for a Databricks
//! token (account-wide federation) and cached per user.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::credential::authorization;
use crate::error::DbfedError;
use crate::options::{RetryPolicy, http_options, retry_policy};
use crate::token::{AccessToken, UserStats};
use crate::{panics, runtime};

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
    inner: dbfed::UserExchanger,
}

impl std::fmt::Display for UserExchanger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let stats = self.inner.stats();
        write!(f, "UserExchanger(users={})", stats.entries)
    }
}

#[uniffi::export]
impl UserExchanger {
    /// A user exchanger for `config`. Throws `DbfedException.Config` if the configuration is
    /// incomplete or unsafe.
    #[uniffi::constructor]
    pub fn new(config: UserExchangerConfig) -> Result<Arc<Self>, DbfedError> {
        let mut builder = dbfed::UserExchanger::builder()
            .runtime(runtime::handle()?)
            .http_options(http_options(
                config.connect_timeout,
                config.request_timeout,
                config.ca_bundle,
            ))
            .retry_policy(retry_policy(config.retry.as_ref())?);
        match (config.host, config.account_host) {
            (Some(_), Some(_)) => {
                return Err(DbfedError::config(
                    "give `host` (a workspace) or `accountHost` (account-level APIs), not both",
                ));
            }
            (Some(host), None) => builder = builder.workspace(host),
            (None, Some(host)) => {
                builder = builder.account(host, config.account_id.clone().unwrap_or_default());
            }
            (None, None) => {}
        }
        if let Some(account_id) = config.account_id {
            builder = builder.account_id(account_id);
        }
        if let Some(scopes) = config.scopes {
            builder = builder.scopes(scopes);
        }
        if let Some(url) = config.token_endpoint {
            builder = builder.token_endpoint(url);
        }
        if let Some(url) = config.discovery_url {
            builder = builder.discovery_url(url);
        }
        if let Some(max_users) = config.max_users {
            builder = builder.max_users(max_users_of(max_users)?);
        }
        for issuer in config.expected_issuers {
            builder = builder.expected_issuer(issuer);
        }
        for audience in config.expected_audiences {
            builder = builder.expected_audience(audience);
        }
        if let Some(leeway) = config.expiry_leeway {
            builder = builder.expiry_leeway(leeway);
        }
        if let Some(ttl) = config.negative_cache {
            builder = builder.negative_cache(ttl);
        }
        Ok(Arc::new(UserExchanger {
            inner: panics::catch(|| builder.build())??,
        }))
    }

    /// A Databricks token acting as the user whose JWT is `jwt`: from the cache, or after one
    /// exchange shared by all concurrent callers for that user.
    pub async fn token_for(&self, jwt: String) -> Result<Arc<AccessToken>, DbfedError> {
        if let Some(token) = panics::catch(|| self.cached_token_for(&jwt))? {
            return Ok(token);
        }
        let users = self.inner.clone();
        runtime::run(async move { Ok(AccessToken::new(users.token_for(&jwt).await?)) }).await
    }

    /// `tokenFor(jwt)` for callers without coroutines: blocks the calling thread until a token
    /// is had (never longer than the request timeouts and retry budget).
    pub fn token_for_blocking(&self, jwt: String) -> Result<Arc<AccessToken>, DbfedError> {
        if let Some(token) = panics::catch(|| self.cached_token_for(&jwt))? {
            return Ok(token);
        }
        let users = self.inner.clone();
        runtime::block_on(async move { Ok(AccessToken::new(users.token_for(&jwt).await?)) })
    }

    /// `{"Authorization": "Bearer <token>"}` for a request made as the user of `jwt`.
    pub async fn headers_for(&self, jwt: String) -> Result<HashMap<String, String>, DbfedError> {
        Ok(authorization(&*self.token_for(jwt).await?))
    }

    /// `headersFor(jwt)` for callers without coroutines (blocks like `tokenForBlocking()`).
    pub fn headers_for_blocking(&self, jwt: String) -> Result<HashMap<String, String>, DbfedError> {
        Ok(authorization(&*self.token_for_blocking(jwt)?))
    }

    /// The user's cached token if it can be had without waiting (no I/O), else null.
    pub fn cached_token_for(&self, jwt: &str) -> Option<Arc<AccessToken>> {
        self.inner.cached_token_for(jwt).map(AccessToken::new)
    }

    /// Forgets the user's `token` if it is still the cached one (call it after an API answered
    /// 401 to it); returns whether it did.
    pub fn invalidate_token_for(&self, jwt: &str, token: &AccessToken) -> bool {
        self.inner.invalidate_token_for(jwt, &token.inner)
    }

    /// Counters of cached users, hits, misses, exchanges, failures, evictions and refusals.
    pub fn stats(&self) -> UserStats {
        self.inner.stats().into()
    }
}

/// `maxUsers` as the core takes it; a negative number is a configuration error.
pub(crate) fn max_users_of(max_users: i32) -> Result<usize, DbfedError> {
    usize::try_from(max_users)
        .map_err(|_| DbfedError::config(format!("maxUsers must be at least 1, not {max_users}")))
}
