//! The keyword arguments of the groups that several classes share (the exchange target, the
//! Entra application, the per-user cache, the network settings), taken as `**options` and read
//! into the core's options here, one reader a group. They are read as pyo3 reads named ones:
//! an unknown name, or a value of the wrong type, raises the `TypeError` a named one would.

use dbfed::Secret;
use dbfed::options::{EntraApp, Network, Target, UserCache};
use pyo3::conversion::FromPyObjectOwned;
use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::PyDict;

use crate::options::{RetryPolicy, seconds};
use crate::sources::Source;

/// The exchange target's keyword arguments that `UserExchanger` takes; `Credential` takes
/// `client_id` and `audience` too.
pub(crate) const TARGET: &[&str] = &[
    "host",
    "account_host",
    "account_id",
    "scopes",
    "token_endpoint",
    "discovery_url",
];
/// The Entra application's keyword arguments (`AzureOnBehalfOf` names the first two).
pub(crate) const ENTRA: &[&str] = &[
    "tenant_id",
    "client_id",
    "client_secret",
    "client_assertion",
    "authority_host",
];
/// The per-user cache's keyword arguments (`UserExchanger`, `AzureOnBehalfOf`).
pub(crate) const CACHE: &[&str] = &[
    "max_users",
    "negative_cache",
    "expected_issuers",
    "expected_audiences",
    "expiry_leeway",
];
/// The network keyword arguments: the credentials' and every source's that makes requests.
pub(crate) const NETWORK: &[&str] = &["connect_timeout", "request_timeout", "ca_bundle", "retry"];

/// The core's network options of `**network`, the [`NETWORK`] keyword arguments of `function`
/// (`Type.method`), which takes no others there.
pub(crate) fn network(function: &str, network: Option<&Bound<'_, PyDict>>) -> PyResult<Network> {
    Keywords::check(function, network, &[NETWORK])?.network()
}

/// The `**options` of a call, each of a name the function accepts; one left out, or None,
/// keeps the core's default.
pub(crate) struct Keywords<'a, 'py>(Option<&'a Bound<'py, PyDict>>);

impl<'a, 'py> Keywords<'a, 'py> {
    /// `given`, if each of its names is in one of the lists `accepted`; else the `TypeError` of
    /// its first other name, in pyo3's words for `function` (`Type.method`).
    pub(crate) fn check(
        function: &str,
        given: Option<&'a Bound<'py, PyDict>>,
        accepted: &[&[&str]],
    ) -> PyResult<Self> {
        for name in given.into_iter().flat_map(|given| given.keys()) {
            let name: PyBackedStr = name.extract()?;
            if !accepted.iter().any(|names| names.contains(&&*name)) {
                return Err(PyTypeError::new_err(format!(
                    "{function}() got an unexpected keyword argument '{name}'"
                )));
            }
        }
        Ok(Keywords(given))
    }

    /// The exchange target: the [`TARGET`] keyword arguments, `client_id` and `audience`.
    pub(crate) fn target(&self) -> PyResult<Target> {
        Ok(Target {
            host: self.get("host")?,
            account_host: self.get("account_host")?,
            account_id: self.get("account_id")?,
            client_id: self.get("client_id")?,
            scopes: self.get("scopes")?,
            audience: self.get("audience")?,
            token_endpoint: self.get("token_endpoint")?,
            discovery_url: self.get("discovery_url")?,
        })
    }

    /// The Entra application of the [`ENTRA`] keyword arguments.
    pub(crate) fn entra_app(&self) -> PyResult<EntraApp> {
        Ok(EntraApp {
            tenant_id: self.get("tenant_id")?,
            client_id: self.get("client_id")?,
            client_secret: self.get::<String>("client_secret")?.map(Secret::new),
            client_assertion: self
                .get::<Bound<'_, Source>>("client_assertion")?
                .map(|source| source.get().inner.clone()),
            authority_host: self.get("authority_host")?,
        })
    }

    /// The per-user cache settings of the [`CACHE`] keyword arguments (durations in seconds).
    pub(crate) fn user_cache(&self) -> PyResult<UserCache> {
        Ok(UserCache {
            max_users: self.get("max_users")?,
            negative_cache: seconds(self.get("negative_cache")?),
            expected_issuers: self.get("expected_issuers")?,
            expected_audiences: self.get("expected_audiences")?,
            expiry_leeway: seconds(self.get("expiry_leeway")?),
        })
    }

    /// The network options of the [`NETWORK`] keyword arguments: `connect_timeout` and
    /// `request_timeout` in seconds, `ca_bundle` a path, `retry` a `dbfed.RetryPolicy`.
    pub(crate) fn network(&self) -> PyResult<Network> {
        Ok(Network {
            connect_timeout: seconds(self.get("connect_timeout")?),
            request_timeout: seconds(self.get("request_timeout")?),
            ca_bundle: self.get("ca_bundle")?,
            retry: self
                .get::<Bound<'_, RetryPolicy>>("retry")?
                .map(|retry| retry.get().retry),
        })
    }

    /// The value given as `name`, None when left out or None; one that is not a `T` raises its
    /// conversion's error, noted "while processing '<name>'" as pyo3 notes a named argument's.
    fn get<T: FromPyObjectOwned<'py>>(&self, name: &str) -> PyResult<Option<T>> {
        let value = self
            .0
            .map(|given| given.get_item(name))
            .transpose()?
            .flatten();
        let Some(value) = value.filter(|value| !value.is_none()) else {
            return Ok(None);
        };
        value.extract::<T>().map(Some).map_err(|err| {
            let err: PyErr = err.into();
            let py = value.py();
            // `add_note` exists from Python 3.11; before, the message stands alone, as with pyo3.
            let _ = err.value(py).call_method1(
                intern!(py, "add_note"),
                (format!("while processing '{name}'"),),
            );
            err
        })
    }
}
