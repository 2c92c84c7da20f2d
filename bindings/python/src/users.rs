//! Acting for signed-in users: `dbfed.UserExchanger` (and, in `azure.rs`, `dbfed.AzureOnBehalfOf`)
//! on their common native base `UserTokens`, which wraps the core's per-user cache; and
//! `dbfed.UserStats`.

use dbfed::options::Networked;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyAny, PyCFunction, PyDict};

use crate::coroutine::coroutine;
use crate::errors;
use crate::keywords::{CACHE, Keywords, NETWORK, TARGET};
use crate::repr::render;
use crate::runtime;
use crate::token::AccessToken;

/// Tokens for the signed-in users of a service, each obtained with the user's own token and
/// cached per user (the base of `UserExchanger` and `AzureOnBehalfOf`). The users' tokens are
/// never shown or logged, and never a cache key (the keys are their SHA-256 hashes).
#[pyclass(subclass, frozen, module = "dbfed", name = "UserTokens")]
pub(crate) struct UserTokens {
    users: dbfed::UserTokens,
}

impl UserTokens {
    /// The base of a subclass instance wrapping `users`.
    pub(crate) fn new(users: dbfed::UserTokens) -> Self {
        UserTokens { users }
    }
}

#[pymethods]
impl UserTokens {
    /// A token acting as the user whose token is `jwt`: from the cache (no I/O), or after one
    /// request shared by every caller waiting for that user. A token that is not a JWT, has
    /// expired or fails the configured issuer and audience checks raises `SourceError` without a
    /// request. Releases the GIL while it waits.
    fn token_for(&self, py: Python<'_>, jwt: PyBackedStr) -> PyResult<AccessToken> {
        if let Some(token) = runtime::in_context(|| self.users.cached_token_for(&jwt))? {
            return Ok(AccessToken { inner: token });
        }
        let users = self.users.clone();
        runtime::block_on(py, async move { users.token_for(&jwt).await })?
            .map(|token| AccessToken { inner: token })
            .map_err(|err| errors::to_py_err(py, &err))
    }

    /// `token_for(jwt)` awaited without blocking the event loop (asyncio).
    fn token_for_async<'py>(&self, py: Python<'py>, jwt: String) -> PyResult<Bound<'py, PyAny>> {
        let users = self.users.clone();
        let cached_jwt = jwt.clone();
        let cached = PyCFunction::new_closure(py, None, None, move |_, _| {
            runtime::in_context(|| users.cached_token_for(&cached_jwt))
                .map(|token| token.map(|token| AccessToken { inner: token }))
        })?;
        let users = self.users.clone();
        coroutine(
            py,
            Some(cached.into_any()),
            move || {
                let (users, jwt) = (users.clone(), jwt.clone());
                Box::pin(async move { users.token_for(&jwt).await })
            },
            |py, token| Ok(Py::new(py, AccessToken { inner: token })?.into_any()),
        )
    }

    /// The user's cached token if it can be had without waiting (no I/O), else None (then call
    /// `token_for`).
    fn cached_token_for(&self, jwt: PyBackedStr) -> PyResult<Option<AccessToken>> {
        Ok(runtime::in_context(|| self.users.cached_token_for(&jwt))?
            .map(|token| AccessToken { inner: token }))
    }

    /// `{"Authorization": "Bearer <token>"}` acting as the user whose token is `jwt`.
    fn headers_for<'py>(&self, py: Python<'py>, jwt: PyBackedStr) -> PyResult<Bound<'py, PyDict>> {
        self.token_for(py, jwt)?.headers(py)
    }

    /// Forgets the user's `token` if it is still the cached one (call it after an API answered
    /// 401 to it); returns whether it did.
    fn invalidate_token_for(
        &self,
        jwt: PyBackedStr,
        token: &Bound<'_, AccessToken>,
    ) -> PyResult<bool> {
        runtime::in_context(|| self.users.invalidate_token_for(&jwt, &token.get().inner))
    }

    /// Counters of cached users, hits, misses, requests, failures, evictions and refusals.
    fn stats(&self) -> UserStats {
        self.users.stats().into()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        render(py, self.users.describe())
    }
}

/// Databricks tokens acting as the signed-in users of a service: each user's own JWT (from an
/// identity provider that an account-wide federation policy trusts) is exchanged for a
/// Databricks token acting as that user, cached per user.
///
/// Keyword arguments (a host or a `token_endpoint` is required):
///
/// - `host`: the workspace URL, or `account_host` and `account_id` for account-level APIs.
/// - `scopes` (default `["all-apis"]`), `token_endpoint`, `discovery_url`.
/// - `max_users` (default 10,000): users cached; the least recently used goes first.
/// - `negative_cache`: seconds during which a JWT that Databricks refused is answered with the
///   same error without asking again (default off).
/// - `expected_issuers`, `expected_audiences`: a JWT from another issuer, or for none of these
///   audiences, is refused with `SourceError` without a request. dbfed does not verify
///   signatures (Databricks does): authenticate your users as you do today.
/// - `expiry_leeway` (default 0): seconds past its `exp` a JWT is still accepted.
/// - `connect_timeout`, `request_timeout`, `ca_bundle`, `retry`: as for `Credential`.
///
/// Raises `dbfed.ConfigError` if the configuration is incomplete or unsafe; no network call is
/// made before the first token is asked for.
#[pyclass(extends = UserTokens, frozen, module = "dbfed", name = "UserExchanger")]
pub(crate) struct UserExchanger;

#[pymethods]
impl UserExchanger {
    #[new]
    #[pyo3(signature = (**options))]
    fn new(
        py: Python<'_>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let accepted: &[&[&str]] = &[TARGET, CACHE, NETWORK];
        let options = Keywords::check("UserExchanger.__new__", options, accepted)?;
        let users = dbfed::UserExchanger::builder()
            .target(options.target()?)
            .cache_options(options.user_cache()?)
            .network(&options.network()?)
            .and_then(dbfed::UserExchangerBuilder::build)
            .map_err(|err| errors::to_py_err(py, &err))?;
        let base = UserTokens::new(users.into());
        Ok(PyClassInitializer::from(base).add_subclass(UserExchanger))
    }
}

/// What a per-user cache did since it was made.
#[pyclass(frozen, module = "dbfed", name = "UserStats", get_all)]
pub(crate) struct UserStats {
    /// Users cached now.
    entries: u64,
    /// Calls answered from the cache without waiting.
    hits: u64,
    /// Calls that waited for a request (a new user, or a token due for refresh).
    misses: u64,
    /// Token requests made (one per user and refresh, however many callers waited).
    exchanges: u64,
    /// Token requests that failed.
    failures: u64,
    /// Users evicted because the cache was full.
    evictions: u64,
    /// Calls refused without a request: the token failed a local check, or was refused recently.
    refused: u64,
}

impl From<dbfed::UserStats> for UserStats {
    fn from(stats: dbfed::UserStats) -> Self {
        UserStats {
            entries: stats.entries,
            hits: stats.hits,
            misses: stats.misses,
            exchanges: stats.exchanges,
            failures: stats.failures,
            evictions: stats.evictions,
            refused: stats.refused,
        }
    }
}

#[pymethods]
impl UserStats {
    fn __repr__(&self) -> String {
        format!(
            "UserStats(entries={}, hits={}, misses={}, exchanges={}, failures={}, evictions={}, refused={})",
            self.entries,
            self.hits,
            self.misses,
            self.exchanges,
            self.failures,
            self.evictions,
            self.refused
        )
    }
}
