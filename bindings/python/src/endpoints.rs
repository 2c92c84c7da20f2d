//! `dbfed.Endpoints`: where a credential exchanges tokens and which audience it asks for, and why.

use pyo3::prelude::*;

use crate::repr::quoted;

/// Where a credential exchanges its JWTs, the audience it asks its source for, and how each was
/// found.
#[pyclass(frozen, eq, module = "dbfed", name = "Endpoints")]
#[derive(PartialEq)]
pub(crate) struct Endpoints(dbfed::Endpoints);

impl From<dbfed::Endpoints> for Endpoints {
    fn from(endpoints: dbfed::Endpoints) -> Self {
        Endpoints(endpoints)
    }
}

#[pymethods]
impl Endpoints {
    /// The token endpoint URL.
    #[getter]
    fn token_endpoint(&self) -> &str {
        &self.0.token_endpoint
    }

    /// How the token endpoint was found: "configured", "discovery_url", "host_metadata"
    /// (`/.well-known/databricks-config`) or "fallback" (the conventional path on the host).
    #[getter]
    fn token_endpoint_origin(&self) -> &'static str {
        self.0.token_endpoint_origin.name()
    }

    /// The audience the source is asked for.
    #[getter]
    fn audience(&self) -> &str {
        &self.0.audience
    }

    /// Why this audience: "configured", "host_metadata" (the host's default federation
    /// audience), "account_id" or "token_endpoint" (the last resort).
    #[getter]
    fn audience_origin(&self) -> &'static str {
        self.0.audience_origin.name()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Endpoints(token_endpoint={}, token_endpoint_origin={}, audience={}, audience_origin={})",
            quoted(py, self.token_endpoint())?,
            quoted(py, self.token_endpoint_origin())?,
            quoted(py, self.audience())?,
            quoted(py, self.audience_origin())?,
        ))
    }
}
