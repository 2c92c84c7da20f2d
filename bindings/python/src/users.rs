//! Acting for signed-in users: `dbfed.UserExchanger` (and, in `azure.rs`, `dbfed.AzureOnBehalfOf`)
//! on their common native base `UserTokens`, which wraps the core's per-user cache; and
//! `dbfed.UserStats`.

use std::path::PathBuf;

use futures::future::BoxFuture;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyAny, PyCFunction, PyDict};

use crate::coroutine::coroutine;
use crate::errors::{self, config_error};
use crate::options::{RetryPolicy, http_options, retry_policy};
use crate::repr::{call, keyword, quoted};
use crate::runtime;
use crate::token::AccessToken;

/// The core object behind a `UserTokens`.
#[derive(Clone)]
pub(crate) enum Users {
    Exchanger(dbfed::UserExchanger),
    OnBehalfOf(dbfed::AzureOnBehalfOf),
}

impl Users {
    fn cached(&self, jwt: &str) -> Option<dbfed::AccessToken> {
        match self {
            Users::Exchanger(users) => users.cached_token_for(jwt),
            Users::OnBehalfOf(users) => users.cached_token_for(jwt),
        }
    }

    fn token_for(self, jwt: String) -> BoxFuture<'static, dbfed::Result<dbfed::AccessToken>> {
        Box::pin(async move {
            match self {
                Users::Exchanger(users) => users.token_for(&jwt).await,
                Users::OnBehalfOf(users) => users.token_for(&jwt).await,
            }
        })
    }

    fn invalidate(&self, jwt: &str, token: &dbfed::AccessToken) -> bool {
        match self {
            Users::Exchanger(users) => users.invalidate_token_for(jwt, token),
            Users::OnBehalfOf(users) => users.invalidate_token_for(jwt, token),
        }
    }

    fn stats(&self) -> dbfed::UserStats {
        match self {
            Users::Exchanger(users) => users.stats(),
            Users::OnBehalfOf(users) => users.stats(),
        }
    }
}

/// Tokens for the signed-in users of a service, each obtained with the user's own token and
/// cached per user (the base of `UserExchanger` and `AzureOnBehalfOf`). The users' tokens are
/// never shown or logged, and never a cache key (the keys are their SHA-256 hashes).
#[pyclass(subclass, frozen, module = "dbfed", name = "UserTokens")]
pub(crate) struct UserTokens {
    users: Users,
    repr: String,
}

impl UserTokens {
    /// The base of a subclass instance wrapping `users`, shown as `repr`.
    pub(crate) fn new(users: Users, repr: String) -> Self {
        UserTokens { users, repr }
    }
}

#[pymethods]
impl UserTokens {
    /// A token acting as the user whose token is `jwt`: from the cache (no I/O), or after one
    /// request shared by every caller waiting for that user. A token that is not a JWT, has
    /// expired or fails the configured issuer and audience checks raises `SourceError` without a
    /// request. Releases the GIL while it waits.
    fn token_for(&self, py: Python<'_>, jwt: PyBackedStr) -> PyResult<AccessToken> {
        if let Some(token) = runtime::in_context(|| self.users.cached(&jwt))? {
            return Ok(AccessToken { inner: token });
        }
        let fetch = self.users.clone().token_for(jwt.to_string());
        runtime::block_on(py, fetch)?
            .map(|token| AccessToken { inner: token })
            .map_err(|err| errors::to_py_err(py, &err))
    }

    /// `token_for(jwt)` awaited without blocking the event loop (asyncio).
    fn token_for_async<'py>(&self, py: Python<'py>, jwt: String) -> PyResult<Bound<'py, PyAny>> {
        let users = self.users.clone();
        let cached_jwt = jwt.clone();
        let cached = PyCFunction::new_closure(py, None, None, move |_, _| {
            runtime::in_context(|| users.cached(&cached_jwt))
                .map(|token| token.map(|token| AccessToken { inner: token }))
        })?;
        let users = self.users.clone();
        coroutine(
            py,
            Some(cached.into_any()),
            move || users.clone().token_for(jwt.clone()),
            |py, token| Ok(Py::new(py, AccessToken { inner: token })?.into_any()),
        )
    }

    /// The user's cached token if it can be had without waiting (no I/O), else None (then call
    /// `token_for`).
    fn cached_token_for(&self, jwt: PyBackedStr) -> PyResult<Option<AccessToken>> {
        Ok(runtime::in_context(|| self.users.cached(&jwt))?
            .map(|token| AccessToken { inner: token }))
    }

    /// `{"Authorization": "Bearer <token>"}` acting as the user whose token is `jwt`.
    fn headers_for<'py>(&self, py: Python<'py>, jwt: PyBackedStr) -> PyResult<Bound<'py, PyDict>> {
        let token = self.token_for(py, jwt)?;
        let headers = PyDict::new(py);
        headers.set_item(
            intern!(py, "Authorization"),
            token.inner.authorization_header(),
        )?;
        Ok(headers)
    }

    /// Forgets the user's `token` if it is still the cached one (call it after an API answered
    /// 401 to it); returns whether it did.
    fn invalidate_token_for(
        &self,
        jwt: PyBackedStr,
        token: &Bound<'_, AccessToken>,
    ) -> PyResult<bool> {
        runtime::in_context(|| self.users.invalidate(&jwt, &token.get().inner))
    }

    /// Counters of cached users, hits, misses, requests, failures, evictions and refusals.
    fn stats(&self) -> UserStats {
        self.users.stats().into()
    }

    fn __repr__(&self) -> &str {
        &self.repr
    }
}

/// The per-user cache settings that `UserExchanger` and `AzureOnBehalfOf` share.
pub(crate) struct CacheOptions {
    pub max_users: Option<usize>,
    pub negative_cache: Option<f64>,
    pub expected_issuers: Option<Vec<String>>,
    pub expected_audiences: Option<Vec<String>>,
    pub expiry_leeway: Option<f64>,
}

impl CacheOptions {
    /// Appends the settings given to `shown` (for a repr).
    pub(crate) fn show(&self, py: Python<'_>, shown: &mut Vec<String>) -> PyResult<()> {
        if let Some(max_users) = self.max_users {
            shown.push(format!("max_users={max_users}"));
        }
        if let Some(ttl) = self.negative_cache {
            shown.push(format!("negative_cache={ttl}"));
        }
        for (name, values) in [
            ("expected_issuers", &self.expected_issuers),
            ("expected_audiences", &self.expected_audiences),
        ] {
            if let Some(values) = values {
                let quoted: PyResult<Vec<String>> =
                    values.iter().map(|value| quoted(py, value)).collect();
                shown.push(format!("{name}=[{}]", quoted?.join(", ")));
            }
        }
        if let Some(leeway) = self.expiry_leeway {
            shown.push(format!("expiry_leeway={leeway}"));
        }
        Ok(())
    }
}

/// Applies `CacheOptions` to a `UserExchangerBuilder` or an `AzureOnBehalfOfBuilder` (the same
/// methods on two types).
macro_rules! with_cache_options {
    ($py:expr, $builder:expr, $options:expr) => {{
        let (py, mut builder, options) = ($py, $builder, $options);
        if let Some(max_users) = options.max_users {
            builder = builder.max_users(max_users);
        }
        if let Some(ttl) = options.negative_cache {
            builder = builder.negative_cache($crate::options::seconds(py, "negative_cache", ttl)?);
        }
        for issuer in options.expected_issuers.into_iter().flatten() {
            builder = builder.expected_issuer(issuer);
        }
        for audience in options.expected_audiences.into_iter().flatten() {
            builder = builder.expected_audience(audience);
        }
        if let Some(leeway) = options.expiry_leeway {
            builder = builder.expiry_leeway($crate::options::seconds(py, "expiry_leeway", leeway)?);
        }
        builder
    }};
}
pub(crate) use with_cache_options;

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
    #[pyo3(signature = (
        *,
        host = None,
        account_host = None,
        account_id = None,
        scopes = None,
        token_endpoint = None,
        discovery_url = None,
        max_users = None,
        negative_cache = None,
        expected_issuers = None,
        expected_audiences = None,
        expiry_leeway = None,
        connect_timeout = None,
        request_timeout = None,
        ca_bundle = None,
        retry = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        host: Option<String>,
        account_host: Option<String>,
        account_id: Option<String>,
        scopes: Option<Vec<String>>,
        token_endpoint: Option<String>,
        discovery_url: Option<String>,
        max_users: Option<usize>,
        negative_cache: Option<f64>,
        expected_issuers: Option<Vec<String>>,
        expected_audiences: Option<Vec<String>>,
        expiry_leeway: Option<f64>,
        connect_timeout: Option<f64>,
        request_timeout: Option<f64>,
        ca_bundle: Option<PathBuf>,
        retry: Option<&Bound<'_, RetryPolicy>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let mut shown = Vec::new();
        let mut builder = dbfed::UserExchanger::builder();
        match (host, account_host) {
            (Some(_), Some(_)) => {
                return Err(config_error(
                    py,
                    "give `host` (a workspace) or `account_host` (account-level APIs), not both",
                ));
            }
            (Some(host), None) => {
                keyword(py, &mut shown, "host", Some(&host))?;
                builder = builder.workspace(host);
            }
            (None, Some(host)) => {
                keyword(py, &mut shown, "account_host", Some(&host))?;
                builder = builder.account(host, account_id.clone().unwrap_or_default());
            }
            (None, None) => {}
        }
        if let Some(account_id) = account_id {
            keyword(py, &mut shown, "account_id", Some(&account_id))?;
            builder = builder.account_id(account_id);
        }
        if let Some(scopes) = scopes {
            builder = builder.scopes(scopes);
        }
        keyword(py, &mut shown, "token_endpoint", token_endpoint.as_deref())?;
        if let Some(url) = token_endpoint {
            builder = builder.token_endpoint(url);
        }
        keyword(py, &mut shown, "discovery_url", discovery_url.as_deref())?;
        if let Some(url) = discovery_url {
            builder = builder.discovery_url(url);
        }
        let cache = CacheOptions {
            max_users,
            negative_cache,
            expected_issuers,
            expected_audiences,
            expiry_leeway,
        };
        cache.show(py, &mut shown)?;
        builder = with_cache_options!(py, builder, cache).http_options(http_options(
            py,
            connect_timeout,
            request_timeout,
            ca_bundle,
        )?);
        builder = builder.retry_policy(retry_policy(retry));
        let users = builder.build().map_err(|err| errors::to_py_err(py, &err))?;
        let base = UserTokens::new(Users::Exchanger(users), call("UserExchanger", &shown));
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
