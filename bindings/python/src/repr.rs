//! Python-style text for `repr()`s.

use pyo3::prelude::*;
use pyo3::types::PyString;

/// `text` as Python shows a `str` (`'…'`).
pub(crate) fn quoted(py: Python<'_>, text: &str) -> PyResult<String> {
    Ok(PyString::new(py, text).repr()?.to_string())
}
