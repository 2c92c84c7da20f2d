//! The one place where core errors become Python exceptions (the classes of `dbfed.errors`).

use std::fmt;

use dbfed::Error;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};

/// The pure-Python module that defines dbfed's exception classes.
const ERRORS_MODULE: &str = "dbfed.errors";

/// An exception raised by Python code the core called (a source callback), carried through the
/// core as the cause of its error so that it can be chained (`__cause__`) on the way back.
#[derive(Debug)]
pub(crate) struct PythonException {
    /// `TypeName: message`, taken while the GIL was held.
    description: String,
    exception: PyErr,
}

impl PythonException {
    pub(crate) fn new(py: Python<'_>, exception: PyErr) -> Self {
        let type_name = exception
            .get_type(py)
            .name()
            .map_or_else(|_| "exception".to_owned(), |name| name.to_string());
        let message = exception
            .value(py)
            .str()
            .map_or_else(|_| String::new(), |text| text.to_string());
        let description = if message.is_empty() {
            type_name
        } else {
            format!("{type_name}: {message}")
        };
        PythonException {
            description,
            exception,
        }
    }
}

impl fmt::Display for PythonException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description)
    }
}

impl std::error::Error for PythonException {}

/// The Python exception for a core error: `ConfigError`, `SourceError`, `ExchangeError`,
/// `MalformedResponseError` or `TransportError`, with the error's fields as attributes, chained
/// (`__cause__`) to what made a source fail when that is a Python exception or a core error.
pub(crate) fn to_py_err(py: Python<'_>, err: &Error) -> PyErr {
    build(py, err).unwrap_or_else(|failure| failure)
}

/// A `dbfed.DbfedError` with `message`, for failures of the binding itself.
pub(crate) fn base_error(py: Python<'_>, message: &str) -> PyErr {
    instantiate(py, "DbfedError", message, &PyDict::new(py)).unwrap_or_else(|failure| failure)
}

/// A `dbfed.ConfigError` with `message`, for arguments the core cannot take.
pub(crate) fn config_error(py: Python<'_>, message: &str) -> PyErr {
    instantiate(py, "ConfigError", message, &PyDict::new(py)).unwrap_or_else(|failure| failure)
}

fn build(py: Python<'_>, err: &Error) -> PyResult<PyErr> {
    let fields = PyDict::new(py);
    let class = match err {
        Error::Config { .. } => "ConfigError",
        Error::Source { source_name, .. } => {
            fields.set_item("source_name", source_name)?;
            "SourceError"
        }
        Error::Rejected(refusal) => {
            let retry_after = refusal.retry_after.map(|delay| delay.as_secs_f64());
            fields.set_item("status", refusal.status)?;
            fields.set_item("endpoint", &refusal.endpoint)?;
            fields.set_item("error", &refusal.error)?;
            fields.set_item("description", &refusal.description)?;
            fields.set_item("request_id", &refusal.request_id)?;
            fields.set_item("retry_after", retry_after)?;
            "ExchangeError"
        }
        Error::Transport {
            endpoint,
            retryable,
            ..
        } => {
            fields.set_item("endpoint", endpoint)?;
            fields.set_item("retryable", retryable)?;
            "TransportError"
        }
        Error::Malformed {
            endpoint,
            status,
            reason,
        } => {
            fields.set_item("status", status)?;
            fields.set_item("endpoint", endpoint)?;
            fields.set_item("description", reason)?;
            "MalformedResponseError"
        }
        _ => "DbfedError",
    };
    let exception = instantiate(py, class, &err.to_string(), &fields)?;
    if let Error::Source {
        cause: Some(cause), ..
    } = err
    {
        // A Python exception a callback raised, or the server's refusal of a source's request.
        if let Some(python) = cause.downcast_ref::<PythonException>() {
            exception.set_cause(py, Some(python.exception.clone_ref(py)));
        } else if let Some(core) = cause.downcast_ref::<Error>() {
            exception.set_cause(py, Some(to_py_err(py, core)));
        }
    }
    Ok(exception)
}

fn instantiate(
    py: Python<'_>,
    class: &str,
    message: &str,
    fields: &Bound<'_, PyDict>,
) -> PyResult<PyErr> {
    static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let module = MODULE.get_or_try_init(py, || {
        PyModule::import(py, ERRORS_MODULE).map(Bound::unbind)
    })?;
    let instance = module
        .bind(py)
        .getattr(class)?
        .call((message,), Some(fields))?;
    Ok(PyErr::from_value(instance))
}
