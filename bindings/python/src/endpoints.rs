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
    token_endpoint_origin: String,
    /// The audience the source is asked for.
    audience: String,
    /// Why this audience: "configured", "host_metadata" (the host's default federation
    /// audience), "account_id" or "token_endpoint" (the last resort).
    audience_origin: String,
}

impl From<dbfed::Endpoints> for Endpoints {
    fn from(endpoints: dbfed::Endpoints) -> Self {
        Endpoints {
            token_endpoint: endpoints.token_endpoint,
            token_endpoint_origin: snake_case(&format!("{:?}", endpoints.token_endpoint_origin)),
            audience: endpoints.audience,
            audience_origin: snake_case(&format!("{:?}", endpoints.audience_origin)),
        }
    }
}

#[pymethods]
impl Endpoints {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Endpoints(token_endpoint={}, token_endpoint_origin={}, audience={}, audience_origin={})",
            quoted(py, &self.token_endpoint)?,
            quoted(py, &self.token_endpoint_origin)?,
            quoted(py, &self.audience)?,
            quoted(py, &self.audience_origin)?,
        ))
    }
}

/// `HostMetadata` → `host_metadata`: the name of a core enum variant (its `Debug` text) as the
/// Python API gives it.
fn snake_case(name: &str) -> String {
    let mut snake = String::with_capacity(name.len() + 4);
    for (index, letter) in name.chars().enumerate() {
        if letter.is_ascii_uppercase() {
            if index > 0 {
                snake.push('_');
            }
            snake.push(letter.to_ascii_lowercase());
        } else {
            snake.push(letter);
        }
    }
    snake
}
