//! Sources that read their JWT on the machine: a fixed value, a variable, a file (Kubernetes
//! included), a CI system's per-job variable, a program's output.

use std::path::PathBuf;

use dbfed::source;
use pyo3::prelude::*;
use pyo3::pyclass_init::PyClassInitializer;
use pyo3::types::{PyAny, PyString};

use super::{Source, source_class};
use crate::options::duration;

source_class! {
    /// Always returns the same JWT (for tests, or a JWT whose lifetime you manage yourself).
    Fixed(jwt)
    fn(jwt: &str) => source::Fixed::new(jwt)
}

source_class! {
    /// Reads the JWT from an environment variable, anew at every exchange.
    EnvVar(name)
    fn(name: &Bound<'_, PyString>) => source::EnvVar::new(name.to_cow()?)
}

source_class! {
    /// Reads the JWT from a file, anew at every exchange (Kubernetes projected tokens rotate it);
    /// surrounding whitespace is trimmed.
    File(path)
    fn(path: &Bound<'_, PyAny>) => source::File::new(path.extract::<PathBuf>()?)
}

/// A Kubernetes service account token, read from its file at every exchange (the kubelet
/// rotates it): `path` is the projected volume's file, by default
/// `/var/run/secrets/kubernetes.io/serviceaccount/token`.
///
/// `Kubernetes.azure_federated_token()` (AKS workload identity) and
/// `Kubernetes.aws_web_identity_token()` (EKS) read the file their platform's variable names.
#[pyclass(extends = Source, frozen, module = "dbfed.sources", name = "Kubernetes")]
pub(crate) struct Kubernetes;

#[pymethods]
impl Kubernetes {
    #[new]
    #[pyo3(signature = (path = None))]
    fn new(path: Option<&Bound<'_, PyAny>>) -> PyResult<PyClassInitializer<Self>> {
        let path = path.map(|path| path.extract::<PathBuf>()).transpose()?;
        Ok(Source::init(Kubernetes, source::File::kubernetes(path)))
    }

    /// The file named by `AZURE_FEDERATED_TOKEN_FILE` (AKS workload identity).
    #[staticmethod]
    fn azure_federated_token(py: Python<'_>) -> PyResult<Bound<'_, Kubernetes>> {
        let core = source::File::azure_federated_token();
        Bound::new(py, Source::init(Kubernetes, core))
    }

    /// The file named by `AWS_WEB_IDENTITY_TOKEN_FILE` (EKS IAM roles for service accounts).
    #[staticmethod]
    fn aws_web_identity_token(py: Python<'_>) -> PyResult<Bound<'_, Kubernetes>> {
        let core = source::File::aws_web_identity_token();
        Bound::new(py, Source::init(Kubernetes, core))
    }
}

source_class! {
    /// GitLab CI: the ID token in `variable`, the name given to it under the job's `id_tokens:`.
    /// Read at every exchange; an expired one is refused with an error saying it cannot be renewed
    /// inside the job.
    GitLab(variable)
    fn(variable: &Bound<'_, PyString>) => source::CiToken::gitlab(variable.to_cow()?)
}

source_class! {
    /// CircleCI: `CIRCLE_OIDC_TOKEN_V2`, else `CIRCLE_OIDC_TOKEN`, read at every exchange; an
    /// expired one is refused with an error saying it cannot be renewed inside the job.
    CircleCI()
    fn() => source::CiToken::circleci()
}

source_class! {
    /// Bitbucket Pipelines: `BITBUCKET_STEP_OIDC_TOKEN` (a step with `oidc: true`), read at every
    /// exchange; an expired one is refused with an error saying it cannot be renewed inside the step.
    Bitbucket()
    fn() => source::CiToken::bitbucket()
}

source_class! {
    /// HCP Terraform: `TFC_WORKLOAD_IDENTITY_TOKEN`, or `TFC_WORKLOAD_IDENTITY_TOKEN_<tag>` for a
    /// tagged token, read at every exchange; an expired one is refused with an error saying it
    /// cannot be renewed inside the run.
    Terraform(tag = None)
    fn(tag: Option<&str>) => source::CiToken::terraform(tag)
}

/// Runs `program` with `args` (never through a shell, no standard input) and exchanges the JWT
/// it prints, cached until shortly before it expires. `{audience}` in an argument is replaced by
/// the audience. Its output is a bare JWT or
/// `{"version": 1, "success": true, "id_token": "…", "expiration_time": …}`; when it fails, the
/// error quotes its standard error. It is killed after `timeout` seconds (default 30).
///
/// `Command.buildkite()` runs `buildkite-agent oidc request-token --audience <audience>`.
#[pyclass(extends = Source, frozen, module = "dbfed.sources", name = "Command")]
pub(crate) struct Command;

#[pymethods]
impl Command {
    #[new]
    #[pyo3(
        signature = (program, args = Vec::new(), *, timeout = None),
        text_signature = "(program, args=(), *, timeout=None)"
    )]
    fn new(
        program: &Bound<'_, PyAny>,
        args: Vec<String>,
        timeout: Option<f64>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let mut core = source::Command::new(program.extract::<PathBuf>()?).args(args);
        if let Some(timeout) = duration(program.py(), "timeout", timeout)? {
            core = core.timeout(timeout);
        }
        Ok(Source::init(Command, core))
    }

    /// Buildkite: `buildkite-agent oidc request-token --audience <audience>`.
    #[staticmethod]
    fn buildkite(py: Python<'_>) -> PyResult<Bound<'_, Command>> {
        let core = source::Command::buildkite();
        Bound::new(py, Source::init(Command, core))
    }
}
