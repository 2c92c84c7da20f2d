//! `dbfed.AccessToken` and `dbfed.Stats`: read-only views of the core's values.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyAny, PyDict};

use crate::repr::quoted;

/// A Databricks OAuth access token. Its `repr()` never shows the token.
#[pyclass(frozen, module = "dbfed", name = "AccessToken")]
pub(crate) struct AccessToken {
    pub(crate) inner: dbfed::AccessToken,
}

impl AccessToken {
    /// `{"Authorization": "Bearer <token>"}`: the headers of a request with the token.
    pub(crate) fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let headers = PyDict::new(py);
        headers.set_item(
            intern!(py, "Authorization"),
            self.inner.authorization_header(),
        )?;
        Ok(headers)
    }
}

#[pymethods]
impl AccessToken {
    /// The token itself, for an `Authorization` header; keep it out of logs.
    #[getter]
    fn token(&self) -> &str {
        self.inner.token()
    }

    /// The token type, normally `Bearer`.
    #[getter]
    fn token_type(&self) -> &str {
        self.inner.token_type()
    }

    /// The scopes the server granted, when it said.
    #[getter]
    fn scope(&self) -> Option<&str> {
        self.inner.scope()
    }

    /// When the token expires, as an aware `datetime` in UTC.
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::datetime::utc(py, self.inner.expires_at())
    }

    /// Seconds until the token expires; 0.0 once it has.
    #[getter]
    fn expires_in(&self) -> f64 {
        self.inner.remaining().as_secs_f64()
    }

    /// The `Authorization` header value: `Bearer <token>`.
    fn authorization_header(&self) -> String {
        self.inner.authorization_header()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let expires_at = self.expires_at(py)?.call_method0("isoformat")?;
        let scope = match self.inner.scope() {
            Some(scope) => quoted(py, scope)?,
            None => "None".to_owned(),
        };
        Ok(format!(
            "AccessToken(token=<redacted>, token_type={}, scope={scope}, expires_at='{expires_at}')",
            quoted(py, self.inner.token_type())?,
        ))
    }
}

/// What a credential's cache did since the credential was made.
#[pyclass(frozen, module = "dbfed", name = "Stats", get_all)]
pub(crate) struct Stats {
    /// Token fetches performed (each one exchange, possibly with retries).
    exchanges: u64,
    /// Calls answered from the cache without waiting.
    cache_hits: u64,
    /// Background refreshes started ahead of expiry.
    refreshes: u64,
    /// Fetches that failed.
    failures: u64,
    /// Calls answered with the previous, still-valid token because a refresh failed or lagged.
    stale_served: u64,
}

impl From<dbfed::Stats> for Stats {
    fn from(stats: dbfed::Stats) -> Self {
        Stats {
            exchanges: stats.exchanges,
            cache_hits: stats.cache_hits,
            refreshes: stats.refreshes,
            failures: stats.failures,
            stale_served: stats.stale_served,
        }
    }
}

#[pymethods]
impl Stats {
    fn __repr__(&self) -> String {
        format!(
            "Stats(exchanges={}, cache_hits={}, refreshes={}, failures={}, stale_served={})",
            self.exchanges, self.cache_hits, self.refreshes, self.failures, self.stale_served
        )
    }
}
