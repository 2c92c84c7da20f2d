//! `AccessToken` and the counters of a credential and of a user exchanger: read-only views of
//! the core's values. `node/lib/token.js` keeps the token out of `util.inspect`, `toString`
//! and `JSON.stringify`.

use napi::{Env, JsDate};
use napi_derive::napi;

/// A Databricks OAuth access token.
#[napi]
pub struct AccessToken {
    pub(crate) inner: dbfed::AccessToken,
}

impl From<dbfed::AccessToken> for AccessToken {
    fn from(inner: dbfed::AccessToken) -> Self {
        AccessToken { inner }
    }
}

#[napi]
impl AccessToken {
    /// The token itself, for an `Authorization` header; keep it out of logs.
    #[napi(getter)]
    pub fn token(&self) -> &str {
        self.inner.token()
    }

    /// The token type, normally `Bearer`.
    #[napi(getter)]
    pub fn token_type(&self) -> &str {
        self.inner.token_type()
    }

    /// The scopes the server granted, when it said.
    #[napi(getter)]
    pub fn scope(&self) -> Option<&str> {
        self.inner.scope()
    }

    /// When the token expires.
    #[napi(getter)]
    pub fn expires_at<'env>(&self, env: &'env Env) -> napi::Result<JsDate<'env>> {
        let since_epoch = self
            .inner
            .expires_at()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        env.create_date(since_epoch.as_secs_f64() * 1000.0)
    }

    /// Milliseconds until the token expires; 0 once it has.
    #[napi(getter)]
    pub fn expires_in_ms(&self) -> f64 {
        self.inner.remaining().as_secs_f64() * 1000.0
    }

    /// The `Authorization` header value: `Bearer <token>`.
    #[napi]
    pub fn authorization_header(&self) -> String {
        self.inner.authorization_header()
    }
}

/// `From<$core>` for the counters object `$name`: each counter as a JavaScript number.
macro_rules! counters_from {
    ($core:ty => $name:ident { $($counter:ident),* }) => {
        impl From<$core> for $name {
            fn from(stats: $core) -> Self {
                $name {
                    $($counter: stats.$counter as f64,)*
                }
            }
        }
    };
}

/// What a credential's cache did since the credential was made.
#[napi(object)]
pub struct Stats {
    /// Token fetches performed (each one exchange, possibly with retries).
    pub exchanges: f64,
    /// Calls answered from the cache without waiting.
    pub cache_hits: f64,
    /// Background refreshes started ahead of expiry.
    pub refreshes: f64,
    /// Fetches that failed.
    pub failures: f64,
    /// Calls answered with the previous, still-valid token because a refresh failed or lagged.
    pub stale_served: f64,
}

counters_from! {
    dbfed::Stats => Stats { exchanges, cache_hits, refreshes, failures, stale_served }
}

/// What a user exchanger's cache did since it was made.
#[napi(object)]
pub struct UserStats {
    /// Users cached now.
    pub entries: f64,
    /// Calls answered from the cache without waiting.
    pub hits: f64,
    /// Calls that had to wait for a token request (a new user, or a token due for refresh).
    pub misses: f64,
    /// Token requests made (one per user and refresh, however many callers waited).
    pub exchanges: f64,
    /// Token requests that failed.
    pub failures: f64,
    /// Users evicted because the cache was full.
    pub evictions: f64,
    /// Calls refused without a request: the JWT failed a local check, or was rejected recently.
    pub refused: f64,
}

counters_from! {
    dbfed::UserStats => UserStats { entries, hits, misses, exchanges, failures, evictions, refused }
}
