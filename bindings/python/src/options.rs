//! Settings given as Python values: durations in seconds, HTTP options and `dbfed.RetryPolicy`.

use std::path::PathBuf;
use std::time::Duration;

use dbfed::HttpOptions;
use pyo3::prelude::*;

use crate::errors;

/// `value` seconds as a `Duration`; a negative, infinite or NaN value is a `ConfigError`.
pub(crate) fn seconds(py: Python<'_>, what: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        errors::config_error(
            py,
            &format!("{what} must be a finite number of seconds ≥ 0, not {value}"),
        )
    })
}

/// The core's HTTP options from the keyword arguments `connect_timeout` and `request_timeout`
/// (seconds) and `ca_bundle`, which the credential and every source that makes requests take;
/// those left out keep the core's defaults.
pub(crate) fn http_options(
    py: Python<'_>,
    connect_timeout: Option<f64>,
    request_timeout: Option<f64>,
    ca_bundle: Option<PathBuf>,
) -> PyResult<HttpOptions> {
    let mut http = HttpOptions::default();
    if let Some(timeout) = connect_timeout {
        http = http.connect_timeout(seconds(py, "connect_timeout", timeout)?);
    }
    if let Some(timeout) = request_timeout {
        http = http.request_timeout(seconds(py, "request_timeout", timeout)?);
    }
    if let Some(path) = ca_bundle {
        http = http.ca_bundle(path);
    }
    Ok(http)
}

/// The core's retry rules of an optional `retry` argument (the default rules without one).
pub(crate) fn retry_policy(retry: Option<&Bound<'_, RetryPolicy>>) -> dbfed::RetryPolicy {
    retry.map_or_else(dbfed::RetryPolicy::default, |retry| {
        retry.get().inner.clone()
    })
}

/// Retry rules for token and discovery requests. Retried: HTTP 429, 502, 503, 504, connection
/// errors and timeouts, with full-jitter exponential backoff that honours `Retry-After`.
/// Durations are in seconds; an argument left out keeps its default.
#[pyclass(frozen, module = "dbfed", name = "RetryPolicy")]
pub(crate) struct RetryPolicy {
    pub(crate) inner: dbfed::RetryPolicy,
}

#[pymethods]
impl RetryPolicy {
    #[new]
    #[pyo3(signature = (*, max_attempts = None, initial_backoff = None, max_backoff = None, total_budget = None))]
    fn new(
        py: Python<'_>,
        max_attempts: Option<u32>,
        initial_backoff: Option<f64>,
        max_backoff: Option<f64>,
        total_budget: Option<f64>,
    ) -> PyResult<Self> {
        let mut inner = dbfed::RetryPolicy::default();
        if let Some(attempts) = max_attempts {
            inner = inner.max_attempts(attempts);
        }
        if let Some(backoff) = initial_backoff {
            inner = inner.initial_backoff(seconds(py, "initial_backoff", backoff)?);
        }
        if let Some(backoff) = max_backoff {
            inner = inner.max_backoff(seconds(py, "max_backoff", backoff)?);
        }
        if let Some(budget) = total_budget {
            inner = inner.total_budget(seconds(py, "total_budget", budget)?);
        }
        Ok(RetryPolicy { inner })
    }

    /// A policy that never retries.
    #[staticmethod]
    fn none() -> Self {
        RetryPolicy {
            inner: dbfed::RetryPolicy::none(),
        }
    }

    /// Attempts in all, the first included.
    #[getter]
    fn max_attempts(&self) -> u32 {
        self.inner.max_attempts
    }

    /// Upper bound of the first backoff, in seconds; doubles at each retry.
    #[getter]
    fn initial_backoff(&self) -> f64 {
        self.inner.initial_backoff.as_secs_f64()
    }

    /// Upper bound of any backoff, in seconds.
    #[getter]
    fn max_backoff(&self) -> f64 {
        self.inner.max_backoff.as_secs_f64()
    }

    /// Seconds from the first attempt after which no retry starts.
    #[getter]
    fn total_budget(&self) -> f64 {
        self.inner.total_budget.as_secs_f64()
    }

    fn __repr__(&self) -> String {
        format!(
            "RetryPolicy(max_attempts={}, initial_backoff={}, max_backoff={}, total_budget={})",
            self.max_attempts(),
            self.initial_backoff(),
            self.max_backoff(),
            self.total_budget()
        )
    }
}
