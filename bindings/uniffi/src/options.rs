//! Network settings given by the foreign side (timeouts, an extra CA bundle and the retry
//! policy) as the core's option values, which the core checks.

use std::time::Duration;

use dbfed::options::{Network, Retry, Span};

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

/// The core's network settings of a config record's four (its `connectTimeout`,
/// `requestTimeout`, `caBundle` and `retry`), which the core checks.
pub(crate) fn network(
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    ca_bundle: Option<String>,
    retry: Option<RetryPolicy>,
) -> Network {
    Network {
        connect_timeout: connect_timeout.map(Span::Exact),
        request_timeout: request_timeout.map(Span::Exact),
        ca_bundle: ca_bundle.map(Into::into),
        retry: retry.map(Into::into),
    }
}
