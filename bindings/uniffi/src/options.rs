//! Settings given by the foreign side as the core's option values, which the core checks: the
//! network settings (timeouts, an extra CA bundle, the retry policy) and the per-user cache's.

use std::time::Duration;

use dbfed::options::{Network, Retry, Span, UserCache};

/// Retry rules for token, discovery and ID-token requests. Retried: HTTP 429, 502, 503, 504,
/// connection errors and timeouts, with full-jitter exponential backoff that honours
/// `Retry-After`. A field left null keeps its default; `maxAttempts = 1` never retries.
#[derive(Clone, Debug, Default, uniffi::Record)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (default 5).
    #[uniffi(default)]
    pub max_attempts: Option<i32>,
    /// Upper bound of the first backoff; doubles at each retry.
    #[uniffi(default)]
    pub initial_backoff: Option<Duration>,
    /// Upper bound of any backoff.
    #[uniffi(default)]
    pub max_backoff: Option<Duration>,
    /// Time from the first attempt after which no retry starts.
    #[uniffi(default)]
    pub total_budget: Option<Duration>,
}

impl From<RetryPolicy> for Retry {
    fn from(retry: RetryPolicy) -> Self {
        Retry {
            max_attempts: retry.max_attempts.map(i64::from),
            initial_backoff: retry.initial_backoff.map(Span::Exact),
            max_backoff: retry.max_backoff.map(Span::Exact),
            total_budget: retry.total_budget.map(Span::Exact),
        }
    }
}

/// How every request of an object is made: timeouts, an extra CA bundle and the retry rules; a
/// field left null keeps its default.
#[derive(Clone, Debug, Default, uniffi::Record)]
pub struct NetworkSettings {
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

/// The core's network options of the settings given (none: the defaults).
pub(crate) fn network(settings: Option<NetworkSettings>) -> Network {
    let settings = settings.unwrap_or_default();
    Network {
        connect_timeout: settings.connect_timeout.map(Span::Exact),
        request_timeout: settings.request_timeout.map(Span::Exact),
        ca_bundle: settings.ca_bundle.map(Into::into),
        retry: settings.retry.map(Into::into),
    }
}

/// How users' tokens are cached and which users' tokens are refused without a request, for
/// `UserExchanger` and `AzureOnBehalfOf`; a field left null (or a list left empty) keeps its
/// default.
#[derive(Clone, Debug, Default, uniffi::Record)]
pub struct UserCacheSettings {
    /// The most users cached (default 10,000); the least recently used is evicted beyond it.
    #[uniffi(default)]
    pub max_users: Option<i32>,
    /// Tokens from another issuer are refused without a request (empty: any issuer).
    #[uniffi(default)]
    pub expected_issuers: Vec<String>,
    /// Tokens for none of these audiences are refused without a request (empty: any audience).
    #[uniffi(default)]
    pub expected_audiences: Vec<String>,
    /// How long past its `exp` a user's token is still accepted (default zero).
    #[uniffi(default)]
    pub expiry_leeway: Option<Duration>,
    /// Answers a token the server refused with the same error for this long, without asking
    /// again (default off).
    #[uniffi(default)]
    pub negative_cache: Option<Duration>,
}

/// The core's per-user cache options of the settings given (none: the defaults).
pub(crate) fn user_cache(settings: Option<UserCacheSettings>) -> UserCache {
    let settings = settings.unwrap_or_default();
    let listed = |values: Vec<String>| (!values.is_empty()).then_some(values);
    UserCache {
        max_users: settings.max_users.map(i64::from),
        negative_cache: settings.negative_cache.map(Span::Exact),
        expected_issuers: listed(settings.expected_issuers),
        expected_audiences: listed(settings.expected_audiences),
        expiry_leeway: settings.expiry_leeway.map(Span::Exact),
    }
}
