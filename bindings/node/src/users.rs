//! `UserTokens`: Databricks tokens for the signed-in users of a service, cached per user: made
//! by a `UserExchanger` (each user's own JWT exchanged) or an `AzureOnBehalfOf` (`azure.rs`).
//! The JavaScript classes of those names (`node/lib/users.js`, `node/lib/azure.js`) pass their
//! options object here once per view of it.

use napi::Env;
use napi::bindgen_prelude::Object;
use napi_derive::napi;

use crate::errors::Settled;
use crate::options::{CacheOptions, NetworkOptions, TargetOptions};
use crate::token::{AccessToken, UserStats};
use crate::{panics, runtime, shown};

/// Tokens acting as the users of a service, cached per user.
#[napi]
pub struct UserTokens {
    pub(crate) inner: dbfed::UserTokens,
}

#[napi]
impl UserTokens {
    /// A user exchanger (account-wide token federation): checks the configuration and builds
    /// it; no network call is made yet.
    #[napi(factory)]
    pub fn exchanger(
        env: Env,
        target: TargetOptions,
        cache: CacheOptions,
        network: NetworkOptions,
    ) -> napi::Result<Self> {
        let builder = dbfed::UserExchanger::builder()
            .target(target.into())
            .cache_options(cache.into());
        let builder = network.apply(&env, builder)?;
        let inner = runtime::build(&env, || builder.build())?;
        Ok(UserTokens {
            inner: inner.into(),
        })
    }

    /// The user's cached token if it can be had without waiting (no I/O), else null.
    #[napi(catch_unwind)]
    pub fn cached_token_for(&self, env: Env, jwt: String) -> napi::Result<Option<AccessToken>> {
        panics::guard(&env, || {
            Ok(self.inner.cached_token_for(&jwt).map(AccessToken::from))
        })
    }

    /// A token acting as the user whose JWT is `jwt`: from the cache, or after one request
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

    /// Counters of cached users, hits, misses, requests, evictions and refusals.
    #[napi]
    pub fn stats(&self) -> UserStats {
        self.inner.stats().into()
    }

    /// What the object shows of itself (for `util.inspect`).
    #[napi(ts_return_type = "object")]
    pub fn describe<'env>(&self, env: &'env Env) -> napi::Result<Object<'env>> {
        shown::to_js(env, self.inner.describe())
    }
}
