//! Python-style text for `repr()`s.

use pyo3::prelude::*;
use pyo3::types::PyString;

/// `text` as Python shows a `str` (`'…'`).
pub(crate) fn quoted(py: Python<'_>, text: &str) -> PyResult<String> {
    Ok(PyString::new(py, text).repr()?.to_string())
}

/// Appends `name='value'` to `shown` when `value` is given.
pub(crate) fn keyword(
    py: Python<'_>,
    shown: &mut Vec<String>,
    name: &str,
    value: Option<&str>,
) -> PyResult<()> {
    if let Some(value) = value {
        shown.push(format!("{name}={}", quoted(py, value)?));
    }
    Ok(())
}

/// `name(arguments…)`.
pub(crate) fn call(name: &str, arguments: &[String]) -> String {
    format!("{name}({})", arguments.join(", "))
}
