//! Azure Databricks with Microsoft Entra tokens: `dbfed.AzureCredential` (a `Credential` for the
//! service itself) and `dbfed.AzureOnBehalfOf` (per-user tokens, a `UserTokens`).

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::credential::Credential;
use crate::errors::{self, config_error};
use crate::options::{RetryPolicy, http_options, retry_policy};
use crate::repr::{call, keyword};
use crate::sources::Source;
use crate::users::{CacheOptions, UserTokens, Users, with_cache_options};

/// How an Entra application proves itself, from the keyword arguments `client_secret` and
/// `client_assertion` (at most one), and how it is shown.
enum ClientAuth {
    Secret(String),
    Assertion(std::sync::Arc<dyn dbfed::SubjectTokenSource>),
}

impl ClientAuth {
    fn from_arguments(
        py: Python<'_>,
        shown: &mut Vec<String>,
        client_secret: Option<String>,
        client_assertion: Option<&Bound<'_, Source>>,
    ) -> PyResult<Option<Self>> {
        match (client_secret, client_assertion) {
            (Some(_), Some(_)) => Err(config_error(
                py,
                "give `client_secret` or `client_assertion`, not both",
            )),
            (Some(secret), None) => {
                shown.push("client_secret=<redacted>".to_owned());
                Ok(Some(ClientAuth::Secret(secret)))
            }
            (None, Some(source)) => {
                shown.push(format!("client_assertion={}", source.repr()?));
                Ok(Some(ClientAuth::Assertion(source.get().inner.clone())))
            }
            (None, None) => Ok(None),
        }
    }
}

/// A `Credential` for Azure Databricks whose tokens are Microsoft Entra ID tokens for the Azure
/// Databricks resource, which it accepts as they are (no token exchange); cached and refreshed
/// like every credential's.
///
/// Keyword arguments, with one way to authenticate:
///
/// - `tenant_id`, `client_id` and `client_secret`: client credentials at the tenant's v1 token
///   endpoint;
/// - `tenant_id`, `client_id` and `client_assertion`: the same with a JWT from any
///   `dbfed.sources` source as federated client assertion, asked for (audience
///   `api://AzureADTokenExchange`) at every Entra request;
/// - `managed_identity=True`: the managed identity of the VM, container or pod, from IMDS
///   (`client_id` picks a user-assigned one; `imds_endpoint` moves the endpoint).
///
/// `authority_host` (default `https://login.microsoftonline.com`), `resource` (default the Azure
/// Databricks resource id), `connect_timeout`, `request_timeout`, `ca_bundle` and `retry` as
/// for `Credential`. `AzureCredential.from_env()` reads the Azure Identity variables instead.
#[pyclass(extends = Credential, frozen, module = "dbfed", name = "AzureCredential")]
pub(crate) struct AzureCredential;

#[pymethods]
impl AzureCredential {
    #[new]
    #[pyo3(signature = (
        *,
        tenant_id = None,
        client_id = None,
        client_secret = None,
        client_assertion = None,
        managed_identity = false,
        imds_endpoint = None,
        authority_host = None,
        resource = None,
        connect_timeout = None,
        request_timeout = None,
        ca_bundle = None,
        retry = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        tenant_id: Option<String>,
        client_id: Option<String>,
        client_secret: Option<String>,
        client_assertion: Option<&Bound<'_, Source>>,
        managed_identity: bool,
        imds_endpoint: Option<String>,
        authority_host: Option<String>,
        resource: Option<String>,
        connect_timeout: Option<f64>,
        request_timeout: Option<f64>,
        ca_bundle: Option<PathBuf>,
        retry: Option<&Bound<'_, RetryPolicy>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let mut shown = Vec::new();
        let mut builder = dbfed::Credential::azure();
        keyword(py, &mut shown, "tenant_id", tenant_id.as_deref())?;
        if let Some(tenant_id) = tenant_id {
            builder = builder.tenant_id(tenant_id);
        }
        keyword(py, &mut shown, "client_id", client_id.as_deref())?;
        if let Some(client_id) = client_id {
            builder = builder.client_id(client_id);
        }
        let auth = ClientAuth::from_arguments(py, &mut shown, client_secret, client_assertion)?;
        if managed_identity && auth.is_some() {
            return Err(config_error(
                py,
                "a managed identity takes no `client_secret` or `client_assertion`",
            ));
        }
        if !managed_identity && imds_endpoint.is_some() {
            return Err(config_error(
                py,
                "`imds_endpoint` is for a managed identity (`managed_identity=True`)",
            ));
        }
        builder = match auth {
            Some(ClientAuth::Secret(secret)) => builder.client_secret(secret),
            Some(ClientAuth::Assertion(source)) => builder.shared_client_assertion(source),
            None => builder,
        };
        if managed_identity {
            shown.push("managed_identity=True".to_owned());
            builder = builder.managed_identity();
        }
        keyword(py, &mut shown, "imds_endpoint", imds_endpoint.as_deref())?;
        if let Some(url) = imds_endpoint {
            builder = builder.imds_endpoint(url);
        }
        keyword(py, &mut shown, "authority_host", authority_host.as_deref())?;
        if let Some(host) = authority_host {
            builder = builder.authority_host(host);
        }
        let common = Common {
            resource,
            connect_timeout,
            request_timeout,
            ca_bundle,
            retry,
        };
        common.build(py, builder, call("AzureCredential", &shown))
    }

    /// An Azure credential configured from the standard Azure Identity variables that are set:
    /// `AZURE_AUTHORITY_HOST`, `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, and `AZURE_CLIENT_SECRET` or
    /// else `AZURE_FEDERATED_TOKEN_FILE` (AKS workload identity; the file is read at every Entra
    /// request). With `managed_identity=True`, the managed identity (`AZURE_CLIENT_ID` picks a
    /// user-assigned one, `AZURE_POD_IDENTITY_AUTHORITY_HOST` moves IMDS); on App Service,
    /// Functions and Container Apps (`IDENTITY_ENDPOINT` and `IDENTITY_HEADER` set), their
    /// identity endpoint, also without `managed_identity=True` when no secret or token file is
    /// set. The keyword arguments
    /// are those of the constructor that no variable sets.
    #[classmethod]
    #[pyo3(signature = (
        *,
        managed_identity = false,
        resource = None,
        connect_timeout = None,
        request_timeout = None,
        ca_bundle = None,
        retry = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn from_env(
        _class: &Bound<'_, PyType>,
        py: Python<'_>,
        managed_identity: bool,
        resource: Option<String>,
        connect_timeout: Option<f64>,
        request_timeout: Option<f64>,
        ca_bundle: Option<PathBuf>,
        retry: Option<&Bound<'_, RetryPolicy>>,
    ) -> PyResult<Py<Self>> {
        let mut shown = Vec::new();
        let mut builder = dbfed::Credential::azure().from_env();
        if managed_identity {
            shown.push("managed_identity=True".to_owned());
            builder = builder.managed_identity();
        }
        let common = Common {
            resource,
            connect_timeout,
            request_timeout,
            ca_bundle,
            retry,
        };
        let initializer = common.build(py, builder, call("AzureCredential.from_env", &shown))?;
        Py::new(py, initializer)
    }
}

/// The `AzureCredential` arguments that its constructor and `from_env` share.
struct Common<'a, 'py> {
    resource: Option<String>,
    connect_timeout: Option<f64>,
    request_timeout: Option<f64>,
    ca_bundle: Option<PathBuf>,
    retry: Option<&'a Bound<'py, RetryPolicy>>,
}

impl Common<'_, '_> {
    /// Applies the arguments, builds the core credential and the Python object's initializer.
    fn build(
        self,
        py: Python<'_>,
        mut builder: dbfed::AzureCredentialBuilder,
        repr: String,
    ) -> PyResult<PyClassInitializer<AzureCredential>> {
        if let Some(resource) = self.resource {
            builder = builder.resource(resource);
        }
        builder = builder.http_options(http_options(
            py,
            self.connect_timeout,
            self.request_timeout,
            self.ca_bundle,
        )?);
        builder = builder.retry_policy(retry_policy(self.retry));
        let inner = builder.build().map_err(|err| errors::to_py_err(py, &err))?;
        Ok(PyClassInitializer::from(Credential::wrap(inner, repr)).add_subclass(AzureCredential))
    }
}

/// Azure Databricks tokens acting as the signed-in users of an Entra application: each user's
/// Entra access token (issued to this application) is exchanged with the OAuth 2.0 on-behalf-of
/// grant at `{authority}/{tenant}/oauth2/v2.0/token`, and the result cached per user, as
/// `UserExchanger` does.
///
/// Keyword arguments: `tenant_id` and `client_id` (the application the users' tokens are for),
/// and its `client_secret` or `client_assertion` (any `dbfed.sources` source, asked at every
/// request); `authority_host`; `scope` (default
/// `2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/user_impersonation`); the cache settings of
/// `UserExchanger` (`max_users`, `negative_cache`, `expected_issuers`, `expected_audiences`,
/// `expiry_leeway`); `connect_timeout`, `request_timeout`, `ca_bundle`, `retry`.
#[pyclass(extends = UserTokens, frozen, module = "dbfed", name = "AzureOnBehalfOf")]
pub(crate) struct AzureOnBehalfOf;

#[pymethods]
impl AzureOnBehalfOf {
    #[new]
    #[pyo3(signature = (
        *,
        tenant_id,
        client_id,
        client_secret = None,
        client_assertion = None,
        authority_host = None,
        scope = None,
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
        tenant_id: String,
        client_id: String,
        client_secret: Option<String>,
        client_assertion: Option<&Bound<'_, Source>>,
        authority_host: Option<String>,
        scope: Option<String>,
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
        keyword(py, &mut shown, "tenant_id", Some(&tenant_id))?;
        keyword(py, &mut shown, "client_id", Some(&client_id))?;
        let mut builder = dbfed::AzureOnBehalfOf::builder()
            .tenant_id(tenant_id)
            .client_id(client_id);
        builder = match ClientAuth::from_arguments(py, &mut shown, client_secret, client_assertion)?
        {
            Some(ClientAuth::Secret(secret)) => builder.client_secret(secret),
            Some(ClientAuth::Assertion(source)) => builder.shared_client_assertion(source),
            None => builder,
        };
        keyword(py, &mut shown, "authority_host", authority_host.as_deref())?;
        if let Some(host) = authority_host {
            builder = builder.authority_host(host);
        }
        keyword(py, &mut shown, "scope", scope.as_deref())?;
        if let Some(scope) = scope {
            builder = builder.scope(scope);
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
        let base = UserTokens::new(Users::OnBehalfOf(users), call("AzureOnBehalfOf", &shown));
        Ok(PyClassInitializer::from(base).add_subclass(AzureOnBehalfOf))
    }
}
