//! Why a JWT would be refused: `dbfed.FederationPolicy`, `dbfed.diagnose` and the conversion of
//! the core's mismatches into `dbfed.Mismatch` objects (defined in `dbfed._diagnosis`).

use dbfed::Mismatch;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyAny, PyDict, PyList, PyModule, PyTuple};

use crate::repr::render;

/// The OIDC part of a Databricks federation policy, as an admin configured it: the required
/// `issuer`, the accepted `audiences` (none: the Databricks account id), the required `subject`
/// (service-principal policies; None for account-wide ones) and the claim holding the subject
/// (`subject_claim`, default "sub").
#[pyclass(frozen, eq, module = "dbfed", name = "FederationPolicy")]
#[derive(PartialEq)]
pub(crate) struct FederationPolicy {
    pub(crate) inner: dbfed::FederationPolicy,
}

#[pymethods]
impl FederationPolicy {
    #[new]
    #[pyo3(
        signature = (issuer, audiences = Vec::new(), subject = None, subject_claim = None),
        text_signature = "(issuer, audiences=(), subject=None, subject_claim=None)"
    )]
    fn new(
        issuer: String,
        audiences: Vec<String>,
        subject: Option<String>,
        subject_claim: Option<String>,
    ) -> Self {
        let mut inner = dbfed::FederationPolicy::new(issuer).audiences(audiences);
        if let Some(subject) = subject {
            inner = inner.subject(subject);
        }
        if let Some(claim) = subject_claim {
            inner = inner.subject_claim(claim);
        }
        FederationPolicy { inner }
    }

    /// The required `iss`.
    #[getter]
    fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// The accepted audiences; empty means the Databricks account id.
    #[getter]
    fn audiences(&self) -> Vec<String> {
        self.inner.audiences.clone()
    }

    /// The required subject; None for an account-wide policy.
    #[getter]
    fn subject(&self) -> Option<&str> {
        self.inner.subject.as_deref()
    }

    /// The claim holding the subject; None means "sub".
    #[getter]
    fn subject_claim(&self) -> Option<&str> {
        self.inner.subject_claim.as_deref()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        render(py, &self.inner.describe())
    }
}

/// Every reason Databricks would refuse `jwt` under `policy`, as `Mismatch` objects; an empty
/// list means it would match (if its signature verifies). The JWT is decoded, not verified;
/// `account_id` stands for the audiences of a policy that lists none. Nothing is sent anywhere.
#[pyfunction]
#[pyo3(signature = (jwt, policy, account_id = None))]
pub(crate) fn diagnose<'py>(
    py: Python<'py>,
    jwt: &str,
    policy: &Bound<'py, FederationPolicy>,
    account_id: Option<&str>,
) -> PyResult<Bound<'py, PyList>> {
    crate::panics::guard(py, || {
        mismatches(py, &dbfed::diagnose(jwt, &policy.get().inner, account_id))
    })
}

/// The core's mismatches as a list of `dbfed.Mismatch`.
pub(crate) fn mismatches<'py>(py: Python<'py>, found: &[Mismatch]) -> PyResult<Bound<'py, PyList>> {
    let converted: PyResult<Vec<Bound<'py, PyAny>>> = found
        .iter()
        .map(|mismatch| to_python(py, mismatch))
        .collect();
    PyList::new(py, converted?)
}

/// One `dbfed.Mismatch`: its kind, the core's words, and the claim with the JWT's and the
/// policy's values.
fn to_python<'py>(py: Python<'py>, mismatch: &Mismatch) -> PyResult<Bound<'py, PyAny>> {
    static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let module = MODULE
        .get_or_try_init(py, || {
            PyModule::import(py, "dbfed._diagnosis").map(Bound::unbind)
        })?
        .bind(py);
    let fields = PyDict::new(py);
    if let Some(claim) = mismatch.claim() {
        fields.set_item("claim", claim)?;
    }
    fields.set_item("actual", PyTuple::new(py, mismatch.actual())?)?;
    fields.set_item("expected", PyTuple::new(py, mismatch.expected())?)?;
    fields.set_item("token_endpoint_trap", mismatch.token_endpoint_trap())?;
    if let Some(at) = mismatch.at() {
        fields.set_item("at", crate::datetime::utc(py, at)?)?;
    }
    let kind = mismatch.kind_name();
    let kind = module.getattr("MismatchKind")?.call1((kind,))?;
    module
        .getattr("Mismatch")?
        .call((kind, mismatch.to_string()), Some(&fields))
}
