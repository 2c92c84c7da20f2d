//! `dbfed.sources`: one class per core source, all extending `Source`, which holds the core
//! source a `Credential` is built with. Adding a core source to Python is one class here.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use dbfed::SubjectTokenSource;
use dbfed::source::{self, SourceContext as CoreContext};
use pyo3::PyClass;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pyclass_init::PyClassInitializer;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyAny, PyString};

use crate::errors::PythonException;
use crate::options::seconds;
use crate::repr::quoted;

/// Where the subject JWTs come from; use one of its subclasses.
#[pyclass(subclass, frozen, module = "dbfed.sources", name = "Source")]
pub(crate) struct Source {
    pub(crate) inner: Arc<dyn SubjectTokenSource>,
    repr: String,
}

impl Source {
    /// The initializer of a subclass instance wrapping `inner`, shown as `repr`.
    fn init<T: PyClass<BaseType = Source>>(
        subclass: T,
        inner: impl SubjectTokenSource,
        repr: String,
    ) -> PyClassInitializer<T> {
        let source = Source {
            inner: Arc::new(inner),
            repr,
        };
        PyClassInitializer::from(source).add_subclass(subclass)
    }
}

#[pymethods]
impl Source {
    fn __repr__(&self) -> &str {
        &self.repr
    }
}

/// Always returns the same JWT (for tests, or a JWT whose lifetime you manage yourself).
#[pyclass(extends = Source, frozen, module = "dbfed.sources", name = "Fixed")]
pub(crate) struct Fixed;

#[pymethods]
impl Fixed {
    #[new]
    fn new(jwt: &str) -> PyClassInitializer<Self> {
        let repr = "Fixed(<redacted>)".to_owned();
        Source::init(Fixed, source::Fixed::new(jwt), repr)
    }
}

/// Reads the JWT from an environment variable, anew at every exchange.
#[pyclass(extends = Source, frozen, module = "dbfed.sources", name = "EnvVar")]
pub(crate) struct EnvVar;

#[pymethods]
impl EnvVar {
    #[new]
    fn new(name: &Bound<'_, PyString>) -> PyResult<PyClassInitializer<Self>> {
        let repr = format!("EnvVar({})", name.repr()?);
        let core = source::EnvVar::new(name.to_cow()?);
        Ok(Source::init(EnvVar, core, repr))
    }
}

/// Reads the JWT from a file, anew at every exchange (Kubernetes projected tokens rotate it);
/// surrounding whitespace is trimmed.
#[pyclass(extends = Source, frozen, module = "dbfed.sources", name = "File")]
pub(crate) struct File;

#[pymethods]
impl File {
    #[new]
    fn new(path: &Bound<'_, PyAny>) -> PyResult<PyClassInitializer<Self>> {
        let repr = format!("File({})", path.repr()?);
        let core = source::File::new(path.extract::<PathBuf>()?);
        Ok(Source::init(File, core, repr))
    }
}

/// Calls `function(context)` for every JWT: a plain or an `async` function returning the JWT as
/// a `str`. An exception it raises becomes a `SourceError` chained to it; a call that takes
/// longer than `timeout` seconds (default 60) fails.
///
/// Plain functions run in a worker thread; `async` ones on an event loop of dbfed's own, in a
/// thread of its own (not the caller's loop).
#[pyclass(extends = Source, frozen, module = "dbfed.sources", name = "Callback")]
pub(crate) struct Callback;

#[pymethods]
impl Callback {
    #[new]
    #[pyo3(signature = (function, /, *, timeout = None))]
    fn new(
        function: &Bound<'_, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let py = function.py();
        if !function.is_callable() {
            return Err(PyTypeError::new_err(format!(
                "Callback needs a callable, not {}",
                function.get_type().name()?
            )));
        }
        let timeout = match timeout {
            Some(timeout) => seconds(py, "timeout", timeout)?,
            None => source::DEFAULT_CALLBACK_TIMEOUT,
        };
        let repr = format!("Callback({})", function.repr()?);
        let core = python_callback(Arc::new(function.clone().unbind()), timeout).timeout(timeout);
        Ok(Source::init(Callback, core, repr))
    }
}

/// What a source callback is told: the audience its JWT should carry.
#[pyclass(frozen, module = "dbfed.sources", name = "SourceContext")]
pub(crate) struct SourceContext {
    /// The audience the JWT should carry.
    #[pyo3(get)]
    audience: String,
}

#[pymethods]
impl SourceContext {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "SourceContext(audience={})",
            quoted(py, &self.audience)?
        ))
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A core callback source that calls `function` in a blocking-pool thread, through
/// `dbfed._callbacks.invoke`, which also runs `async` functions and checks the result.
fn python_callback(function: Arc<Py<PyAny>>, timeout: Duration) -> source::Callback {
    source::Callback::new(move |context: CoreContext| {
        let function = function.clone();
        async move {
            tokio::task::spawn_blocking(move || invoke(&function, context.audience, timeout))
                .await
                .map_err(|_| BoxError::from("the callback's thread was stopped"))?
        }
    })
}

fn invoke(function: &Py<PyAny>, audience: String, timeout: Duration) -> Result<String, BoxError> {
    static INVOKE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    Python::try_attach(|py| {
        let call = || -> PyResult<String> {
            let invoke = INVOKE.import(py, "dbfed._callbacks", "invoke")?;
            let context = Py::new(py, SourceContext { audience })?;
            invoke
                .call1((function.bind(py), context, timeout.as_secs_f64()))?
                .extract()
        };
        call().map_err(|err| BoxError::from(PythonException::new(py, err)))
    })
    .unwrap_or_else(|| Err(BoxError::from("Python is shutting down")))
}
