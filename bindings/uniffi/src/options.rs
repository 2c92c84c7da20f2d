//! Network settings given by the foreign side: timeouts, an extra CA bundle and the retry policy.

use std::time::Duration;

use dbfed::HttpOptions;

use crate::error::DbfedError;

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

impl RetryPolicy {
    /// The core's policy: its defaults, with what this one sets.
    pub(crate) fn to_core(&self) -> Result<dbfed::RetryPolicy, DbfedError> {
        let mut core = dbfed::RetryPolicy::default();
        if let Some(attempts) = self.max_attempts {
            let attempts = u32::try_from(attempts)
                .ok()
                .filter(|attempts| *attempts > 0)
                .ok_or_else(|| {
                    DbfedError::config(format!("maxAttempts must be at least 1, not {attempts}"))
                })?;
            core = core.max_attempts(attempts);
        }
        if let Some(backoff) = self.initial_backoff {
            core = core.initial_backoff(backoff);
        }
        if let Some(backoff) = self.max_backoff {
            core = core.max_backoff(backoff);
        }
        if let Some(budget) = self.total_budget {
            core = core.total_budget(budget);
        }
        Ok(core)
    }
}

/// The core's HTTP options; settings left out keep the core's defaults (connect 10 s,
/// request 30 s, the system's CA certificates).
pub(crate) fn http_options(
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    ca_bundle: Option<String>,
) -> HttpOptions {
    let mut http = HttpOptions::default();
    if let Some(timeout) = connect_timeout {
        http = http.connect_timeout(timeout);
    }
    if let Some(timeout) = request_timeout {
        http = http.request_timeout(timeout);
    }
    if let Some(path) = ca_bundle {
        http = http.ca_bundle(path);
    }
    http
}

/// The core's retry policy for an optional foreign one.
pub(crate) fn retry_policy(retry: Option<&RetryPolicy>) -> Result<dbfed::RetryPolicy, DbfedError> {
    retry.map_or_else(|| Ok(dbfed::RetryPolicy::default()), RetryPolicy::to_core)
}
