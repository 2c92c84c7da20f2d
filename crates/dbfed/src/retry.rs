//! When and how long to wait before trying a failed request again.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::Result;

/// Retry rules for token and discovery requests: which failures, how long to wait, how long in all.
///
/// Retried: HTTP 429, 502, 503, 504, connection errors and timeouts. The wait is full-jitter
/// exponential backoff, but never shorter than the server's `Retry-After`. No retry starts once
/// it would end past `total_budget` from the first attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (default 5; 1 disables retries).
    pub max_attempts: u32,
    /// Upper bound of the first backoff (default 250 ms); doubles at each retry.
    pub initial_backoff: Duration,
    /// Upper bound of any backoff (default 10 s).
    pub max_backoff: Duration,
    /// Time from the first attempt after which no retry starts (default 60 s).
    pub total_budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
            total_budget: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Sets the number of attempts, the first included.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the first backoff's upper bound.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Sets the cap of every backoff.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Sets the total time budget.
    pub fn total_budget(mut self, budget: Duration) -> Self {
        self.total_budget = budget;
        self
    }

    /// Runs `attempt` (which builds its request afresh each time) until it succeeds, fails for
    /// good, or the policy is spent; returns the last result.
    pub(crate) async fn run<T, F, Fut>(&self, what: &str, mut attempt: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let started = Instant::now();
        let mut ceiling = self.initial_backoff;
        let mut number = 0;
        loop {
            number += 1;
            let err = match attempt().await {
                Ok(value) => return Ok(value),
                Err(err) => err,
            };
            if !err.is_retryable() || number >= self.max_attempts {
                return Err(err);
            }
            let jitter = full_jitter(ceiling);
            let delay = err.retry_after().map_or(jitter, |asked| asked.max(jitter));
            if started.elapsed().saturating_add(delay) > self.total_budget {
                tracing::debug!(what, attempt = number, ?delay, "retry budget spent");
                return Err(err);
            }
            tracing::debug!(what, attempt = number, ?delay, error = %err, "retrying");
            tokio::time::sleep(delay).await;
            ceiling = ceiling.saturating_mul(2).min(self.max_backoff);
        }
    }
}

/// A uniformly random duration in `[0, ceiling]` ("full jitter").
fn full_jitter(ceiling: Duration) -> Duration {
    let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(fastrand::u64(0..=nanos))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::error::Error;

    fn unavailable(retry_after: Option<Duration>) -> Error {
        Error::Rejected(crate::Rejection {
            status: 503,
            endpoint: "e".into(),
            error: None,
            description: None,
            request_id: None,
            retry_after,
        })
    }

    #[tokio::test(start_paused = true)]
    async fn retries_retryable_errors_and_honours_retry_after() {
        let calls = AtomicU32::new(0);
        let started = tokio::time::Instant::now();
        let result = RetryPolicy::default()
            .run("test", || async {
                match calls.fetch_add(1, Ordering::SeqCst) {
                    0 => Err(unavailable(Some(Duration::from_secs(3)))),
                    _ => Ok(7),
                }
            })
            .await;
        assert_eq!(result.unwrap(), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert!(started.elapsed() >= Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_on_non_retryable_errors_and_when_spent() {
        let calls = AtomicU32::new(0);
        let result: Result<()> = RetryPolicy::default()
            .run("test", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Error::config("no"))
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let calls = AtomicU32::new(0);
        let result: Result<()> = RetryPolicy::default()
            .max_attempts(3)
            .run("test", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(unavailable(None))
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 3);

        // A Retry-After beyond the budget ends the retries at once.
        let calls = AtomicU32::new(0);
        let result: Result<()> = RetryPolicy::default()
            .total_budget(Duration::from_secs(5))
            .run("test", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(unavailable(Some(Duration::from_secs(30))))
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
