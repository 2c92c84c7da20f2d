//! `dbfed.Endpoints`: where a credential exchanges tokens and which audience it asks for, and why.

use pyo3::prelude::*;

use crate::repr::quoted;

/// Where a credential exchanges its JWTs, the audience it asks its source for, and how each was
/// found.
#[pyclass(frozen, eq, get_all, module = "dbfed", name = "Endpoints")]
#[derive(PartialEq)]
pub(crate) struct Endpoints {
    /// The token endpoint URL.
    token_endpoint: String,
    /// How the token endpoint was found: "configured", "discovery_url", "host_metadata"
    /// (`/.well-known/databricks-config`) or "fallback" (the conventional path on the host).
    token_endpoint_origin: &'static str,
    /// The audience the source is asked for.
    audience: String,
    /// Why this audience: "configured", "host_metadata" (the host's default federation
    /// audience), "account_id" or "token_endpoint" (the last resort).
    audience_origin: &'static str,
}

impl From<dbfed::Endpoints> for Endpoints {
    fn from(found: dbfed::Endpoints) -> Self {
        let (token_endpoint_origin, audience_origin) = (
            found.token_endpoint_origin.name(),
            found.audience_origin.name(),
        );
        let dbfed::Endpoints {
            token_endpoint,
            audience,
            ..
        } = found;
        Endpoints {
            token_endpoint,
            token_endpoint_origin,
            audience,
            audience_origin,
        }
    }
}

#[pymethods]
impl Endpoints {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Endpoints(token_endpoint={}, token_endpoint_origin={}, audience={}, audience_origin={})",
            quoted(py, &self.token_endpoint)?,
            quoted(py, self.token_endpoint_origin)?,
            quoted(py, &self.audience)?,
            quoted(py, self.audience_origin)?,
        ))
    }
}
