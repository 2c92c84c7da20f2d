//! Settings given as Python values, turned into the core's options: durations in seconds and
//! `dbfed.RetryPolicy`.

use std::time::Duration;

use dbfed::options::{Retry, Span};
use pyo3::prelude::*;

use crate::errors;
use crate::repr::render;

/// An optional number of seconds, as the core takes it (which checks it).
pub(crate) fn seconds(value: Option<f64>) -> Option<Span> {
    value.map(Span::Seconds)
}

/// An optional number of seconds as a duration, checked by the core (a `ConfigError` naming
/// `option` when negative, infinite or NaN).
pub(crate) fn duration(
    py: Python<'_>,
    option: &str,
    value: Option<f64>,
) -> PyResult<Option<Duration>> {
    seconds(value)
        .map(|span| span.duration(option))
        .transpose()
        .map_err(|err| errors::to_py_err(py, &err))
}

/// Retry rules for token and discovery requests. Retried: HTTP 429, 502, 503, 504, connection
/// errors and timeouts, with full-jitter exponential backoff that honours `Retry-After`.
/// Durations are in seconds; an argument left out keeps its default.
#[pyclass(frozen, module = "dbfed", name = "RetryPolicy")]
pub(crate) struct RetryPolicy {
    /// The rules as given (checked), for the objects built with them.
    pub(crate) retry: Retry,
    /// The rules in force.
    policy: dbfed::RetryPolicy,
}

#[pymethods]
impl RetryPolicy {
    #[new]
    #[pyo3(signature = (*, max_attempts = None, initial_backoff = None, max_backoff = None, total_budget = None))]
    fn new(
        py: Python<'_>,
        max_attempts: Option<i64>,
        initial_backoff: Option<f64>,
        max_backoff: Option<f64>,
        total_budget: Option<f64>,
    ) -> PyResult<Self> {
        let retry = Retry {
            max_attempts,
            initial_backoff: seconds(initial_backoff),
            max_backoff: seconds(max_backoff),
            total_budget: seconds(total_budget),
        };
        let policy = retry.policy().map_err(|err| errors::to_py_err(py, &err))?;
        Ok(RetryPolicy { retry, policy })
    }

    /// A policy that never retries.
    #[staticmethod]
    fn none() -> Self {
        let retry = Retry {
            max_attempts: Some(1),
            ..Retry::default()
        };
        RetryPolicy {
            retry,
            policy: dbfed::RetryPolicy::none(),
        }
    }

    /// Attempts in all, the first included.
    #[getter]
    fn max_attempts(&self) -> u32 {
        self.policy.max_attempts
    }

    /// Upper bound of the first backoff, in seconds; doubles at each retry.
    #[getter]
    fn initial_backoff(&self) -> f64 {
        self.policy.initial_backoff.as_secs_f64()
    }

    /// Upper bound of any backoff, in seconds.
    #[getter]
    fn max_backoff(&self) -> f64 {
        self.policy.max_backoff.as_secs_f64()
    }

    /// Seconds from the first attempt after which no retry starts.
    #[getter]
    fn total_budget(&self) -> f64 {
        self.policy.total_budget.as_secs_f64()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        render(py, &self.policy.describe())
    }
}
