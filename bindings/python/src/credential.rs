//! `dbfed.Credential`: building one from keyword arguments or from the environment, and its
//! sync and asyncio calls.

use dbfed::Mismatch;
use dbfed::options::Networked;
use futures::future::BoxFuture;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyAny, PyDict, PyList, PyType};

use crate::coroutine::coroutine;
use crate::diagnosis::{FederationPolicy, mismatches};
use crate::endpoints::Endpoints;
use crate::errors;
use crate::keywords::{self, Keywords, NETWORK, TARGET};
use crate::repr::render;
use crate::runtime;
use crate::sources::Source;
use crate::token::{AccessToken, Stats};

/// Databricks tokens for one workspace or account, exchanged for the JWTs of one source,
/// cached and refreshed ahead of expiry; one exchange however many threads and tasks ask.
///
/// Keyword arguments (`source` is required, and a host or a `token_endpoint`):
///
/// - `source`: where the JWTs come from, a `dbfed.sources` object.
/// - `host`: the workspace URL (`https://` may be omitted), or `account_host` and
///   `account_id` for account-level APIs.
/// - `account_id`: for a workspace, makes the account id the default audience.
/// - `client_id`: the service principal's application id (workload identity federation);
///   leave it out for account-wide federation.
/// - `scopes` (default `["all-apis"]`), `audience`, `token_endpoint`, `discovery_url`.
/// - `connect_timeout` (default 10), `request_timeout` (default 30), in seconds;
///   `ca_bundle`: a PEM file of extra CA certificates; `retry`: a `dbfed.RetryPolicy`.
///
/// `Credential.from_env()` reads all of it from the Databricks environment variables instead.
/// Raises `dbfed.ConfigError` if the configuration is incomplete or unsafe; no network call is
/// made before the first token is asked for.
#[pyclass(subclass, frozen, module = "dbfed", name = "Credential")]
pub(crate) struct Credential {
    inner: dbfed::Credential,
}

impl Credential {
    /// The Python object of a core credential (built here, or by `dbfed.AzureCredential`).
    pub(crate) fn wrap(inner: dbfed::Credential) -> Self {
        Credential { inner }
    }

    /// The core's diagnosis against `policy`, a new future at each call: for `diagnose` and
    /// `diagnose_async`.
    fn diagnosis(
        &self,
        policy: &Bound<'_, FederationPolicy>,
    ) -> impl Fn() -> BoxFuture<'static, dbfed::Result<Vec<Mismatch>>> + Send + Sync + 'static {
        let (credential, policy) = (self.inner.clone(), policy.get().inner.clone());
        move || {
            let (credential, policy) = (credential.clone(), policy.clone());
            Box::pin(async move { credential.diagnose(&policy).await })
        }
    }
}

#[pymethods]
impl Credential {
    #[new]
    #[pyo3(signature = (*, source, **options))]
    fn new(
        py: Python<'_>,
        source: &Bound<'_, Source>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let accepted: &[&[&str]] = &[TARGET, &["client_id", "audience"], NETWORK];
        let options = Keywords::check("Credential.__new__", options, accepted)?;
        let inner = dbfed::Credential::builder()
            .shared_source(source.get().inner.clone())
            .target(options.target()?)
            .network(&options.network()?)
            .and_then(dbfed::CredentialBuilder::build)
            .map_err(|err| errors::to_py_err(py, &err))?;
        Ok(Credential::wrap(inner))
    }

    /// A credential configured from the Databricks environment variables, as the Databricks
    /// SDKs read them: `DATABRICKS_HOST`, `DATABRICKS_ACCOUNT_ID`, `DATABRICKS_CLIENT_ID`,
    /// `DATABRICKS_TOKEN_AUDIENCE`, `DATABRICKS_DISCOVERY_URL`, and the source named by
    /// `DATABRICKS_AUTH_TYPE` or else detected (GitHub Actions, Azure DevOps, GitLab, …; see the
    /// README). When no source fits, the `ConfigError` lists every one tried and why it was
    /// skipped. The keyword arguments are those of the constructor that no variable sets.
    #[classmethod]
    #[pyo3(signature = (**network))]
    fn from_env(
        _class: &Bound<'_, PyType>,
        py: Python<'_>,
        network: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let network = keywords::network("Credential.from_env", network)?;
        let inner = dbfed::config::credential_with(&dbfed::config::Env::process(), &network)
            .map_err(|err| errors::to_py_err(py, &err))?;
        Ok(Credential::wrap(inner))
    }

    /// A valid token: from the cache (no I/O), or after one exchange shared by every caller
    /// waiting for it. Releases the GIL while it waits.
    fn token(&self, py: Python<'_>) -> PyResult<AccessToken> {
        if let Some(token) = runtime::in_context(|| self.inner.cached_token())? {
            return Ok(AccessToken { inner: token });
        }
        let credential = self.inner.clone();
        runtime::block_on(py, async move { credential.token().await })?
            .map(|token| AccessToken { inner: token })
            .map_err(|err| errors::to_py_err(py, &err))
    }

    /// The cached token if it can be had without waiting, else None (then call `token`).
    fn cached_token(&self) -> PyResult<Option<AccessToken>> {
        Ok(runtime::in_context(|| self.inner.cached_token())?
            .map(|token| AccessToken { inner: token }))
    }

    /// A valid token, like `token()`, awaited without blocking the event loop (asyncio).
    fn token_async<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let credential = slf.get().inner.clone();
        let cached = slf.getattr(intern!(slf.py(), "cached_token"))?;
        coroutine(
            slf.py(),
            Some(cached),
            move || {
                let credential = credential.clone();
                Box::pin(async move { credential.token().await })
            },
            |py, token| Ok(Py::new(py, AccessToken { inner: token })?.into_any()),
        )
    }

    /// `{"Authorization": "Bearer <token>"}` for a request.
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.token(py)?.headers(py)
    }

    /// Forgets the cached token, so the next call exchanges anew.
    fn invalidate(&self) -> PyResult<()> {
        runtime::in_context(|| self.inner.invalidate())
    }

    /// Forgets `token` if it is still the cached one (call it after an API answered 401 to
    /// it); many callers reporting the same token cause a single refresh. Returns whether it did.
    fn invalidate_token(&self, token: &Bound<'_, AccessToken>) -> PyResult<bool> {
        runtime::in_context(|| self.inner.invalidate_token(&token.get().inner))
    }

    /// Counters of exchanges, cache hits, refreshes and failures.
    fn stats(&self) -> Stats {
        self.inner.stats().into()
    }

    /// The name of the source the JWTs come from (`github-actions`, `kubernetes`, `env`, …).
    #[getter]
    fn source_name(&self) -> Option<&str> {
        self.inner.source_name()
    }

    /// The Databricks account id, when configured.
    #[getter]
    fn account_id(&self) -> Option<&str> {
        self.inner.account_id()
    }

    /// The token endpoint and the audience, and how each was found (discovered on first use,
    /// then remembered). Releases the GIL while it waits.
    fn endpoints(&self, py: Python<'_>) -> PyResult<Endpoints> {
        let credential = self.inner.clone();
        runtime::block_on(py, async move { credential.endpoints().await })?
            .map(Endpoints::from)
            .map_err(|err| errors::to_py_err(py, &err))
    }

    /// `endpoints()` awaited without blocking the event loop (asyncio).
    fn endpoints_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let credential = self.inner.clone();
        coroutine(
            py,
            None,
            move || {
                let credential = credential.clone();
                Box::pin(async move { credential.endpoints().await })
            },
            |py, endpoints| Ok(Py::new(py, Endpoints::from(endpoints))?.into_any()),
        )
    }

    /// Every reason `policy` would refuse this credential's JWTs: a JWT from the source, for
    /// the credential's audience, compared with the policy (the account id, when configured,
    /// stands for a policy without audiences). Nothing is exchanged. Releases the GIL while it
    /// waits.
    fn diagnose<'py>(
        &self,
        py: Python<'py>,
        policy: &Bound<'py, FederationPolicy>,
    ) -> PyResult<Bound<'py, PyList>> {
        runtime::block_on(py, self.diagnosis(policy)())?
            .map_err(|err| errors::to_py_err(py, &err))
            .and_then(|found| mismatches(py, &found))
    }

    /// `diagnose(policy)` awaited without blocking the event loop (asyncio).
    fn diagnose_async<'py>(
        &self,
        py: Python<'py>,
        policy: &Bound<'py, FederationPolicy>,
    ) -> PyResult<Bound<'py, PyAny>> {
        coroutine(py, None, self.diagnosis(policy), |py, found| {
            Ok(mismatches(py, &found)?.into_any().unbind())
        })
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        render(py, self.inner.describe())
    }
}
