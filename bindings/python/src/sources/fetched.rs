//! Sources that request their JWT over HTTP, cached until shortly before it expires: GitHub
//! Actions, Azure DevOps, the GCP metadata server, any OIDC IdP by client credentials. Each
//! takes the credential's HTTP keyword arguments (`connect_timeout`, `request_timeout`,
//! `ca_bundle`, `retry`) for its own requests.

use std::path::PathBuf;

use dbfed::Secret;
use dbfed::source::{self, ClientAuth, KeyAlgorithm, TokenField};
use pyo3::prelude::*;
use pyo3::pyclass_init::PyClassInitializer;

use super::Source;
use crate::errors::config_error;
use crate::options::{RetryPolicy, http_options, retry_policy};
use crate::repr::{call, keyword, quoted};

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
        let mut shown = Vec::new();
        keyword(py, &mut shown, "audience", audience.as_deref())?;
        let mut core = source::GitHubActions::new().http_options(http_options(
            py,
            connect_timeout,
            request_timeout,
            ca_bundle,
        )?);
        if let Some(audience) = audience {
            core = core.audience(audience);
        }
        core = core.retry_policy(retry_policy(retry));
        Ok(Source::init(
            GitHubActions,
            core,
            call("GitHubActions", &shown),
        ))
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
        let mut shown = Vec::new();
        keyword(
            py,
            &mut shown,
            "service_connection",
            service_connection.as_deref(),
        )?;
        let mut core = source::AzureDevOps::new().http_options(http_options(
            py,
            connect_timeout,
            request_timeout,
            ca_bundle,
        )?);
        if let Some(id) = service_connection {
            core = core.service_connection(id);
        }
        core = core.retry_policy(retry_policy(retry));
        Ok(Source::init(AzureDevOps, core, call("AzureDevOps", &shown)))
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
        let mut shown = Vec::new();
        keyword(py, &mut shown, "host", host.as_deref())?;
        let mut core = source::GcpMetadata::new().http_options(http_options(
            py,
            connect_timeout,
            request_timeout,
            ca_bundle,
        )?);
        if let Some(host) = host {
            core = core.host(host);
        }
        core = core.retry_policy(retry_policy(retry));
        Ok(Source::init(GcpMetadata, core, call("GcpMetadata", &shown)))
    }
}

/// Any OIDC identity provider (Okta, Auth0, Keycloak, Entra, …) by the client-credentials grant.
///
/// The client authenticates with `client_secret` (HTTP Basic, or in the form with
/// `auth_method="client_secret_post"`) or with `private_key_pem` (RFC 7523 `private_key_jwt`,
/// signed with `algorithm` "RS256" or "ES256", `key_id` in its header if the IdP needs one);
/// give exactly one. The token endpoint comes from `{issuer}/.well-known/openid-configuration`
/// unless `token_endpoint` is given. `scope` is sent when given; `audience_parameter` names the
/// form field that carries the credential's audience (Auth0: "audience", Entra v1:
/// "resource"). `token_field` is the response field holding the JWT: "access_token" or
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
        algorithm = "RS256",
        key_id = None,
        token_endpoint = None,
        scope = None,
        audience_parameter = None,
        token_field = "access_token",
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
        auth_method: Option<&str>,
        algorithm: &str,
        key_id: Option<String>,
        token_endpoint: Option<String>,
        scope: Option<String>,
        audience_parameter: Option<String>,
        token_field: &str,
        connect_timeout: Option<f64>,
        request_timeout: Option<f64>,
        ca_bundle: Option<PathBuf>,
        retry: Option<&Bound<'_, RetryPolicy>>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let (auth, method) = client_auth(
            py,
            client_secret,
            private_key_pem,
            auth_method,
            algorithm,
            key_id.clone(),
        )?;
        let field = match token_field {
            "access_token" => TokenField::AccessToken,
            "id_token" => TokenField::IdToken,
            other => {
                return Err(config_error(
                    py,
                    &format!("token_field must be 'access_token' or 'id_token', not {other:?}"),
                ));
            }
        };
        let mut shown = vec![
            quoted(py, &issuer)?,
            quoted(py, &client_id)?,
            format!("auth_method={}", quoted(py, method)?),
        ];
        if matches!(auth, ClientAuth::PrivateKeyJwt { .. }) {
            shown.push(format!("algorithm={}", quoted(py, algorithm)?));
        }
        keyword(py, &mut shown, "key_id", key_id.as_deref())?;
        keyword(py, &mut shown, "token_endpoint", token_endpoint.as_deref())?;
        keyword(py, &mut shown, "scope", scope.as_deref())?;
        keyword(
            py,
            &mut shown,
            "audience_parameter",
            audience_parameter.as_deref(),
        )?;
        if field != TokenField::default() {
            shown.push(format!("token_field={}", quoted(py, token_field)?));
        }
        let mut core = source::OidcClientCredentials::new(issuer, client_id, auth)
            .token_field(field)
            .http_options(http_options(
                py,
                connect_timeout,
                request_timeout,
                ca_bundle,
            )?);
        if let Some(url) = token_endpoint {
            core = core.token_endpoint(url);
        }
        if let Some(scope) = scope {
            core = core.scope(scope);
        }
        if let Some(name) = audience_parameter {
            core = core.audience_parameter(name);
        }
        core = core.retry_policy(retry_policy(retry));
        Ok(Source::init(
            OidcClientCredentials,
            core,
            call("OidcClientCredentials", &shown),
        ))
    }
}

/// The core's client authentication from the keyword arguments, and its OAuth name.
fn client_auth(
    py: Python<'_>,
    client_secret: Option<String>,
    private_key_pem: Option<String>,
    auth_method: Option<&str>,
    algorithm: &str,
    key_id: Option<String>,
) -> PyResult<(ClientAuth, &'static str)> {
    let fail = |message: &str| Err(config_error(py, message));
    match (client_secret, private_key_pem) {
        (Some(secret), None) => {
            if key_id.is_some() || algorithm != "RS256" {
                return fail(
                    "algorithm and key_id apply to private_key_pem, not to a client_secret",
                );
            }
            let secret = Secret::new(secret);
            match auth_method {
                None | Some("client_secret_basic") => {
                    Ok((ClientAuth::SecretBasic(secret), "client_secret_basic"))
                }
                Some("client_secret_post") => {
                    Ok((ClientAuth::SecretPost(secret), "client_secret_post"))
                }
                Some(other) => fail(&format!(
                    "with a client_secret, auth_method is 'client_secret_basic' or 'client_secret_post', not {other:?}"
                )),
            }
        }
        (None, Some(key_pem)) => {
            if !matches!(auth_method, None | Some("private_key_jwt")) {
                return fail("with a private_key_pem, auth_method is 'private_key_jwt'");
            }
            let algorithm = match algorithm {
                "RS256" => KeyAlgorithm::Rs256,
                "ES256" => KeyAlgorithm::Es256,
                other => {
                    return fail(&format!(
                        "algorithm must be 'RS256' or 'ES256', not {other:?}"
                    ));
                }
            };
            let auth = ClientAuth::PrivateKeyJwt {
                key_pem: Secret::new(key_pem),
                algorithm,
                key_id,
            };
            Ok((auth, "private_key_jwt"))
        }
        (Some(_), Some(_)) => fail("give client_secret or private_key_pem, not both"),
        (None, None) => fail(
            "the client needs client_secret (client_secret_basic or client_secret_post) or private_key_pem (private_key_jwt)",
        ),
    }
}
