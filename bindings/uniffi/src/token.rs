//! `AccessToken` and the counters of credentials and user exchangers: read-only views of the
//! core's values.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// A Databricks OAuth access token. An object, not a record, so that its `toString()` (Kotlin)
/// and `description` (Swift) can leave the token out, and so that `invalidateToken` knows it as
/// the very token the cache handed out.
#[derive(uniffi::Object)]
#[uniffi::export(Display)]
pub struct AccessToken {
    pub(crate) inner: dbfed::AccessToken,
}

impl AccessToken {
    pub(crate) fn new(inner: dbfed::AccessToken) -> Arc<Self> {
        Arc::new(AccessToken { inner })
    }
}

/// `Bearer token <redacted>, expires in 3599s`: never the token itself.
impl std::fmt::Display for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

#[uniffi::export]
impl AccessToken {
    /// The token itself, for an `Authorization` header; keep it out of logs.
    pub fn token(&self) -> String {
        self.inner.token().to_owned()
    }

    /// The token type, normally `Bearer`.
    pub fn token_type(&self) -> String {
        self.inner.token_type().to_owned()
    }

    /// The scopes the server granted, when it said.
    pub fn scope(&self) -> Option<String> {
        self.inner.scope().map(str::to_owned)
    }

    /// When the token expires.
    pub fn expires_at(&self) -> SystemTime {
        self.inner.expires_at()
    }

    /// How long the token is still valid; zero once it has expired.
    pub fn remaining(&self) -> Duration {
        self.inner.remaining()
    }

    /// The value of an `Authorization` header carrying this token: `Bearer <token>`.
    pub fn authorization_header(&self) -> String {
        self.inner.authorization_header()
    }
}

/// What a credential's cache did since the credential was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Stats {
    /// Token fetches performed (each one exchange, possibly with retries).
    pub exchanges: i64,
    /// Calls answered from the cache without waiting.
    pub cache_hits: i64,
    /// Background refreshes started ahead of expiry.
    pub refreshes: i64,
    /// Fetches that failed.
    pub failures: i64,
    /// Calls answered with the previous, still-valid token because a refresh failed or lagged.
    pub stale_served: i64,
}

impl From<dbfed::Stats> for Stats {
    fn from(stats: dbfed::Stats) -> Self {
        Stats {
            exchanges: count(stats.exchanges),
            cache_hits: count(stats.cache_hits),
            refreshes: count(stats.refreshes),
            failures: count(stats.failures),
            stale_served: count(stats.stale_served),
        }
    }
}

/// What a user exchanger's cache did since it was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct UserStats {
    /// Users cached now.
    pub entries: i64,
    /// Calls answered from the cache without waiting.
    pub hits: i64,
    /// Calls that had to wait for a token request (a new user, or a token due for refresh).
    pub misses: i64,
    /// Token requests made (one per user and refresh, however many callers waited).
    pub exchanges: i64,
    /// Token requests that failed.
    pub failures: i64,
    /// Users evicted because the cache was full.
    pub evictions: i64,
    /// Calls refused without a request: the JWT failed a local check, or was rejected recently.
    pub refused: i64,
}

impl From<dbfed::UserStats> for UserStats {
    fn from(stats: dbfed::UserStats) -> Self {
        UserStats {
            entries: count(stats.entries),
            hits: count(stats.hits),
            misses: count(stats.misses),
            exchanges: count(stats.exchanges),
            failures: count(stats.failures),
            evictions: count(stats.evictions),
            refused: count(stats.refused),
        }
    }
}

/// A counter as a signed 64-bit number (Kotlin `Long`, usable from Java), saturating.
fn count(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
