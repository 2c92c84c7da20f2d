//! Sources that request their JWT over HTTP, cached until shortly before it expires: GitHub
//! Actions, Azure DevOps, the GCP metadata server, any OIDC IdP by client credentials. Each
//! takes the credential's network keyword arguments (`connect_timeout`, `request_timeout`,
//! `ca_bundle`, `retry`) for its own requests.

use dbfed::Secret;
use dbfed::options::{Networked, OidcClient};
use dbfed::source;
use pyo3::prelude::*;
use pyo3::pyclass_init::PyClassInitializer;
use pyo3::types::PyDict;

use super::{Source, source_class};
use crate::errors;
use crate::keywords;

/// A class of `dbfed.sources` (its doc comments passed through) whose constructor takes one
/// optional string, given to the core source's method of the same name, and the network
/// keyword arguments.
macro_rules! fetched_source {
    ($(#[doc = $doc:literal])* $class:ident($argument:ident)) => {
        source_class! {
            $(#[doc = $doc])*
            $class($argument = None, *, **network)
            fn(py: Python<'_>, $argument: Option<String>, network: Option<&Bound<'_, PyDict>>) => {
                let mut core = source::$class::new();
                if let Some(value) = $argument {
                    core = core.$argument(value);
                }
                let network = keywords::network(concat!(stringify!($class), ".__new__"), network)?;
                core.network(&network).map_err(|err| errors::to_py_err(py, &err))?
            }
        }
    };
}

fetched_source! {
    /// GitHub Actions: the job's OIDC ID token (the job needs `permissions: id-token: write`),
    /// requested from `ACTIONS_ID_TOKEN_REQUEST_URL` with `ACTIONS_ID_TOKEN_REQUEST_TOKEN` for
    /// `audience`, by default the credential's.
    GitHubActions(audience)
}

fetched_source! {
    /// Azure DevOps Pipelines: an ID token for the service connection `service_connection` (its id;
    /// subject `sc://org/project/connection`), else for the one `AZURESUBSCRIPTION_SERVICE_CONNECTION_ID`
    /// names, else the pipeline's own (subject `p://org/project/pipeline`). Needs
    /// `SYSTEM_ACCESSTOKEN` mapped into the step (`SYSTEM_ACCESSTOKEN: $(System.AccessToken)`).
    AzureDevOps(service_connection)
}

fetched_source! {
    /// Google Cloud (GCE, GKE, Cloud Run): the default service account's identity token for the
    /// audience, from the metadata server at `host` (host and port), else `GCE_METADATA_HOST`,
    /// else `metadata.google.internal`.
    GcpMetadata(host)
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
        **network,
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
        network: Option<&Bound<'_, PyDict>>,
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
            network: keywords::network("OidcClientCredentials.__new__", network)?,
        };
        let core = options.build().map_err(|err| errors::to_py_err(py, &err))?;
        Ok(Source::init(OidcClientCredentials, core))
    }
}
