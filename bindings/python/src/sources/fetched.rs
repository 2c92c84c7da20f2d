//! Sources that request their JWT over HTTP, cached until shortly before it expires: GitHub
//! Actions, Azure DevOps, the GCP metadata server, any OIDC IdP by client credentials. Each
//! takes the credential's HTTP keyword arguments (`connect_timeout`, `request_timeout`,
//! `ca_bundle`, `retry`) for its own requests.

use std::path::PathBuf;

use dbfed::Secret;
use dbfed::options::{Networked, OidcClient};
use dbfed::source;
use pyo3::prelude::*;
use pyo3::pyclass_init::PyClassInitializer;

use super::Source;
use crate::errors;
use crate::options::{RetryPolicy, network};

/// GitHub Actions: the job's OIDC ID token (the job needs `permissions: id-token: write`),
/// requested from `ACTIONS_ID_TOKEN_REQUEST_URL` with `ACTIONS_ID_TOKEN_REQUEST_TOKEN` for
/// `audience`, by default the credential's.
#[pyclass(extends = Source, frozen, module = "dbfed.sources", name = "GitHubActions")]
pub(crate) struct GitHubActions;

#[pymethods]
impl GitHubActions {
    #[new]
    #[pyo3(signature = (
        audience = None,
        *,
        connect_timeout = None,
        request_timeout = None,
        ca_bundle = None,
        retry = None,
    ))]
    fn new(
        py: Python<'_>,
        audience: Option<String>,
        connect_timeout: Option<f64>,
        request_timeout: Option<f64>,
        ca_bundle: Option<PathBuf>,
        retry: Option<&Bound<'_, RetryPolicy>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let mut core = source::GitHubActions::new();
        if let Some(audience) = audience {
            core = core.audience(audience);
        }
        let network = network(connect_timeout, request_timeout, ca_bundle, retry);
        let core = core
            .network(&network)
            .map_err(|err| errors::to_py_err(py, &err))?;
        Ok(Source::init(GitHubActions, core))
    }
}

/// Azure DevOps Pipelines: an ID token for the service connection `service_connection` (its id;
/// subject `sc://org/project/connection`), else for the one `AZURESUBSCRIPTION_SERVICE_CONNECTION_ID`
/// names, else the pipeline's own (subject `p://org/project/pipeline`). Needs
/// `SYSTEM_ACCESSTOKEN` mapped into the step (`SYSTEM_ACCESSTOKEN: $(System.AccessToken)`).
#[pyclass(extends = Source, frozen, module = "dbfed.sources", name = "AzureDevOps")]
pub(crate) struct AzureDevOps;

#[pymethods]
impl AzureDevOps {
    #[new]
    #[pyo3(signature = (
        service_connection = None,
        *,
        connect_timeout = None,
        request_timeout = None,
        ca_bundle = None,
        retry = None,
    ))]
    fn new(
        py: Python<'_>,
        service_connection: Option<String>,
        connect_timeout: Option<f64>,
        request_timeout: Option<f64>,
        ca_bundle: Option<PathBuf>,
        retry: Option<&Bound<'_, RetryPolicy>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let mut core = source::AzureDevOps::new();
        if let Some(id) = service_connection {
            core = core.service_connection(id);
        }
        let network = network(connect_timeout, request_timeout, ca_bundle, retry);
        let core = core
            .network(&network)
            .map_err(|err| errors::to_py_err(py, &err))?;
        Ok(Source::init(AzureDevOps, core))
    }
}

/// Google Cloud (GCE, GKE, Cloud Run): the default service account's identity token for the
/// audience, from the metadata server at `host` (host and port), else `GCE_METADATA_HOST`,
/// else `metadata.google.internal`.
#[pyclass(extends = Source, frozen, module = "dbfed.sources", name = "GcpMetadata")]
pub(crate) struct GcpMetadata;

#[pymethods]
impl GcpMetadata {
    #[new]
    #[pyo3(signature = (
        host = None,
        *,
        connect_timeout = None,
        request_timeout = None,
        ca_bundle = None,
        retry = None,
    ))]
    fn new(
        py: Python<'_>,
        host: Option<String>,
        connect_timeout: Option<f64>,
        request_timeout: Option<f64>,
        ca_bundle: Option<PathBuf>,
        retry: Option<&Bound<'_, RetryPolicy>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let mut core = source::GcpMetadata::new();
        if let Some(host) = host {
            core = core.host(host);
        }
        let network = network(connect_timeout, request_timeout, ca_bundle, retry);
        let core = core
            .network(&network)
            .map_err(|err| errors::to_py_err(py, &err))?;
        Ok(Source::init(GcpMetadata, core))
    }
}

/// Any OIDC identity provider (Okta, Auth0, Keycloak, Entra, …) by the client-credentials grant.
///
/// The client authenticates with `client_secret` (HTTP Basic, or in the form with
/// `auth_method="client_secret_post"`) or with `private_key_pem` (RFC 7523 `private_key_jwt`,
/// signed with `algorithm` "RS256" (the default) or "ES256", `key_id` in its header if the IdP needs one);
/// give exactly one. The token endpoint comes from `{issuer}/.well-known/openid-configuration`
/// unless `token_endpoint` is given. `scope` is sent when given; `audience_parameter` names the
/// form field that carries the credential's audience (Auth0: "audience", Entra v1:
/// "resource"). `token_field` is the response field holding the JWT: "access_token" (the default) or
/// "id_token". The secret and the key are never shown.
#[pyclass(extends = Source, frozen, module = "dbfed.sources", name = "OidcClientCredentials")]
pub(crate) struct OidcClientCredentials;

#[pymethods]
impl OidcClientCredentials {
    #[new]
    #[pyo3(signature = (
        issuer,
        client_id,
        *,
        client_secret = None,
        private_key_pem = None,
        auth_method = None,
        algorithm = None,
        key_id = None,
        token_endpoint = None,
        scope = None,
        audience_parameter = None,
        token_field = None,
        connect_timeout = None,
        request_timeout = None,
        ca_bundle = None,
        retry = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        issuer: String,
        client_id: String,
        client_secret: Option<String>,
        private_key_pem: Option<String>,
        auth_method: Option<String>,
        algorithm: Option<String>,
        key_id: Option<String>,
        token_endpoint: Option<String>,
        scope: Option<String>,
        audience_parameter: Option<String>,
        token_field: Option<String>,
        connect_timeout: Option<f64>,
        request_timeout: Option<f64>,
        ca_bundle: Option<PathBuf>,
        retry: Option<&Bound<'_, RetryPolicy>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let options = OidcClient {
            issuer,
            client_id,
            client_secret: client_secret.map(Secret::new),
            private_key_pem: private_key_pem.map(Secret::new),
            auth_method,
            algorithm,
            key_id,
            token_endpoint,
            scope,
            audience_parameter,
            token_field,
            network: network(connect_timeout, request_timeout, ca_bundle, retry),
        };
        let core = options.build().map_err(|err| errors::to_py_err(py, &err))?;
        Ok(Source::init(OidcClientCredentials, core))
    }
}
