//! `dbfed.sources`: one class per core source, all extending `Source`, which holds the core
//! source a `Credential` is built with. Adding a core source to Python is one class here.

mod callback;
mod fetched;
mod local;

use std::sync::Arc;

use dbfed::SubjectTokenSource;
use dbfed::source;
use pyo3::PyClass;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pyclass_init::PyClassInitializer;
use pyo3::types::PyTuple;

pub(crate) use callback::{Callback, SourceContext};
pub(crate) use fetched::{AzureDevOps, GcpMetadata, GitHubActions, OidcClientCredentials};
pub(crate) use local::{
    Bitbucket, CircleCI, Command, EnvVar, File, Fixed, GitLab, Kubernetes, Terraform,
};

use crate::repr;

/// A class of `dbfed.sources` (its doc comments passed through) whose constructor takes the
/// arguments of pyo3's `signature` as the parameters listed, and wraps the core source that
/// the expression after `=>` builds of them.
macro_rules! source_class {
    (
        $(#[doc = $doc:literal])*
        $class:ident($($signature:tt)*) fn($($parameters:tt)*) => $core:expr
    ) => {
        $(#[doc = $doc])*
        #[pyclass(extends = Source, frozen, module = "dbfed.sources")]
        pub(crate) struct $class;

        #[pymethods]
        impl $class {
            #[new]
            #[pyo3(signature = ($($signature)*))]
            fn new($($parameters)*) -> PyResult<PyClassInitializer<Self>> {
                Ok(Source::init($class, $core))
            }
        }
    };
}
use source_class;

/// Where the subject JWTs come from; use one of its subclasses.
#[pyclass(subclass, frozen, module = "dbfed.sources", name = "Source")]
pub(crate) struct Source {
    pub(crate) inner: Arc<dyn SubjectTokenSource>,
}

impl Source {
    /// The initializer of a subclass instance wrapping `inner`.
    fn init<T: PyClass<BaseType = Source>>(
        subclass: T,
        inner: impl SubjectTokenSource,
    ) -> PyClassInitializer<T> {
        let source = Source {
            inner: Arc::new(inner),
        };
        PyClassInitializer::from(source).add_subclass(subclass)
    }
}

#[pymethods]
impl Source {
    /// The source's short name, as errors and `Credential.source_name` give it
    /// (`github-actions`, `kubernetes`, `env`, …).
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr::render(py, &self.inner.describe())
    }
}

/// Tries its sources in order and exchanges the first JWT one produces; when all fail, the
/// `SourceError` gives each one's reason.
#[pyclass(extends = Source, frozen, module = "dbfed.sources", name = "Chain")]
pub(crate) struct Chain;

#[pymethods]
impl Chain {
    #[new]
    #[pyo3(signature = (*sources))]
    fn new(sources: &Bound<'_, PyTuple>) -> PyResult<PyClassInitializer<Self>> {
        let mut chain = source::Chain::new();
        for item in sources {
            let Ok(source) = item.cast::<Source>() else {
                return Err(PyTypeError::new_err(format!(
                    "Chain takes dbfed.sources.Source objects, not {}",
                    item.get_type().name()?
                )));
            };
            chain = chain.with_shared(source.get().inner.clone());
        }
        Ok(Source::init(Chain, chain))
    }
}
