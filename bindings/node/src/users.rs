//! `UserExchanger`: Databricks tokens for the signed-in users of a service, each exchanged for
//! the user's own JWT and cached per user. The JavaScript class of the same name
//! (`node/lib/users.js`) passes its options object here once per view of it.

use napi::Env;
use napi_derive::napi;

use crate::errors::{self, Settled};
use crate::options::{Host, HostOptions, HttpSettings, with_host};
use crate::token::{AccessToken, UserStats};
use crate::{panics, runtime};

/// The exchange settings of a user exchanger's options.
#[napi(object)]
pub struct UserOptions {
    /// The scopes to request (default `["all-apis"]`).
    pub scopes: Option<Vec<String>>,
    /// The token endpoint, skipping discovery.
    pub token_endpoint: Option<String>,
    /// An RFC 8414 discovery document to read the token endpoint from.
    pub discovery_url: Option<String>,
}

/// The per-user cache settings that `UserExchanger` and `AzureOnBehalfOf` share.
#[napi(object)]
pub struct CacheOptions {
    /// The most users cached (default 10,000); the least recently used is evicted beyond it.
    pub max_users: Option<u32>,
    /// How long a JWT Databricks refused is answered with that refusal without asking again
    /// (default 0: off).
    pub negative_cache_ms: Option<f64>,
    /// Issuers accepted; a JWT from another is refused without a request.
    pub expected_issuers: Option<Vec<String>>,
    /// Audiences accepted; a JWT for none of them is refused without a request.
    pub expected_audiences: Option<Vec<String>>,
    /// How long past its `exp` a user's JWT is still accepted (default 0).
    pub expiry_leeway_ms: Option<f64>,
}

/// `$builder` (a `UserExchangerBuilder` or an `AzureOnBehalfOfBuilder`: the same methods, no
/// common trait) with the [`CacheOptions`] `$cache`; `?` on a bad duration.
macro_rules! with_cache_options {
    ($env:expr, $builder:expr, $cache:expr) => {{
        let (env, mut builder, cache): (&napi::Env, _, $crate::users::CacheOptions) =
            ($env, $builder, $cache);
        if let Some(max_users) = cache.max_users {
            builder = builder.max_users(max_users as usize);
        }
        if let Some(ms) = cache.negative_cache_ms {
            builder = builder.negative_cache($crate::options::millis(env, "negativeCacheMs", ms)?);
        }
        for issuer in cache.expected_issuers.unwrap_or_default() {
            builder = builder.expected_issuer(issuer);
        }
        for audience in cache.expected_audiences.unwrap_or_default() {
            builder = builder.expected_audience(audience);
        }
        if let Some(ms) = cache.expiry_leeway_ms {
            builder = builder.expiry_leeway($crate::options::millis(env, "expiryLeewayMs", ms)?);
        }
        builder
    }};
}
pub(crate) use with_cache_options;

/// Databricks tokens acting as the users of a service (account-wide token federation).
#[napi]
pub struct UserExchanger {
    inner: dbfed::UserExchanger,
}

#[napi]
impl UserExchanger {
    /// Checks the configuration and builds the exchanger; no network call is made yet.
    #[napi(constructor)]
    pub fn new(
        env: Env,
        host: HostOptions,
        users: UserOptions,
        cache: CacheOptions,
        http: HttpSettings,
    ) -> napi::Result<Self> {
        let mut builder = dbfed::UserExchanger::builder();
        builder = with_host!(builder, Host::from_options(&env, host)?);
        if let Some(scopes) = users.scopes {
            builder = builder.scopes(scopes);
        }
        if let Some(url) = users.token_endpoint {
            builder = builder.token_endpoint(url);
        }
        if let Some(url) = users.discovery_url {
            builder = builder.discovery_url(url);
        }
        builder = with_cache_options!(&env, builder, cache)
            .http_options(http.http_options(&env)?)
            .retry_policy(http.retry_policy(&env)?);
        let inner =
            runtime::in_context(|| builder.build()).map_err(|err| errors::to_js(&env, &err))?;
        Ok(UserExchanger { inner })
    }

    /// The user's cached token if it can be had without waiting (no I/O), else null.
    #[napi(catch_unwind)]
    pub fn cached_token_for(&self, env: Env, jwt: String) -> napi::Result<Option<AccessToken>> {
        panics::guard(&env, || {
            Ok(self.inner.cached_token_for(&jwt).map(AccessToken::from))
        })
    }

    /// A token acting as the user whose JWT is `jwt`: from the cache, or after one exchange
    /// shared by every caller waiting for that user.
    #[napi(ts_return_type = "Promise<AccessToken>")]
    pub async fn token_for(&self, jwt: String) -> napi::Result<Settled<AccessToken>> {
        panics::settle(async { self.inner.token_for(&jwt).await.map(AccessToken::from) }).await
    }

    /// Forgets the user's `token` if it is still the cached one; returns whether it did.
    #[napi(catch_unwind)]
    pub fn invalidate_token_for(
        &self,
        env: Env,
        jwt: String,
        token: &AccessToken,
    ) -> napi::Result<bool> {
        panics::guard(&env, || {
            Ok(self.inner.invalidate_token_for(&jwt, &token.inner))
        })
    }

    /// Counters of cached users, hits, misses, exchanges, evictions and refusals.
    #[napi]
    pub fn stats(&self) -> UserStats {
        self.inner.stats().into()
    }
}
