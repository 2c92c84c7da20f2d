//! Azure Databricks with Microsoft Entra tokens: `dbfed.AzureCredential` (a `Credential` for the
//! service itself) and `dbfed.AzureOnBehalfOf` (per-user tokens, a `UserTokens`).

use dbfed::options::{AzureOptions, EntraApp, OnBehalfOfOptions};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};

use crate::credential::Credential;
use crate::errors;
use crate::keywords::{self, CACHE, ENTRA, Keywords, NETWORK};
use crate::users::UserTokens;

/// The Python object of the credential `options` build.
fn azure_credential(
    py: Python<'_>,
    options: &AzureOptions,
) -> PyResult<PyClassInitializer<AzureCredential>> {
    let inner = options.build().map_err(|err| errors::to_py_err(py, &err))?;
    Ok(PyClassInitializer::from(Credential::wrap(inner)).add_subclass(AzureCredential))
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
    #[pyo3(signature = (*, managed_identity = false, imds_endpoint = None, resource = None, **options))]
    fn new(
        py: Python<'_>,
        managed_identity: bool,
        imds_endpoint: Option<String>,
        resource: Option<String>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let options = Keywords::check("AzureCredential.__new__", options, &[ENTRA, NETWORK])?;
        let options = AzureOptions {
            app: options.entra_app()?,
            managed_identity,
            imds_endpoint,
            resource,
            network: options.network()?,
            ..AzureOptions::default()
        };
        azure_credential(py, &options)
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
    #[pyo3(signature = (*, managed_identity = false, resource = None, **network))]
    fn from_env(
        _class: &Bound<'_, PyType>,
        py: Python<'_>,
        managed_identity: bool,
        resource: Option<String>,
        network: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<Self>> {
        let network = keywords::network("AzureCredential.from_env", network)?;
        let options = AzureOptions {
            managed_identity,
            resource,
            from_env: true,
            network,
            ..AzureOptions::default()
        };
        Py::new(py, azure_credential(py, &options)?)
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
    #[pyo3(signature = (*, tenant_id, client_id, scope = None, **options))]
    fn new(
        py: Python<'_>,
        tenant_id: String,
        client_id: String,
        scope: Option<String>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let accepted: &[&[&str]] = &[ENTRA, CACHE, NETWORK];
        let options = Keywords::check("AzureOnBehalfOf.__new__", options, accepted)?;
        let app = EntraApp {
            tenant_id: Some(tenant_id),
            client_id: Some(client_id),
            ..options.entra_app()?
        };
        let options = OnBehalfOfOptions {
            app,
            scope,
            cache: options.user_cache()?,
            network: options.network()?,
            ..OnBehalfOfOptions::default()
        };
        let users = options.build().map_err(|err| errors::to_py_err(py, &err))?;
        let base = UserTokens::new(users.into());
        Ok(PyClassInitializer::from(base).add_subclass(AzureOnBehalfOf))
    }
}
