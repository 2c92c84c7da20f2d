//! `Callback`: JWTs from a Python function, plain or `async`.

use std::sync::Arc;
use std::time::Duration;

use dbfed::source::{self, SourceContext as CoreContext};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pyclass_init::PyClassInitializer;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyAny;

use super::Source;
use crate::errors::PythonException;
use crate::options::duration;
use crate::repr::quoted;

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
        let timeout = duration(py, "timeout", timeout)?.unwrap_or(source::DEFAULT_CALLBACK_TIMEOUT);
        let core = python_callback(Arc::new(function.clone().unbind()), timeout).timeout(timeout);
        Ok(Source::init(Callback, core))
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
    crate::thread_state::attach(|py| {
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
