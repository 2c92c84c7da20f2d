//! Look-alikes of the services that hand JWTs to workloads: GitHub Actions' ID-token endpoint,
//! Azure DevOps' two `oidctoken` endpoints, the GCP metadata server's identity endpoint, and an
//! OIDC client-credentials token endpoint on the fake IdP. Each mints with the fake IdP's keys,
//! so the fake Databricks accepts what they issue when a policy matches.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::idp::{self, MintRequest};
use crate::reply::oauth_error;
use crate::state::Shared;

/// The bearer token the fake GitHub endpoint expects (`ACTIONS_ID_TOKEN_REQUEST_TOKEN`).
pub const GITHUB_REQUEST_TOKEN: &str = "testkit-github-request-token";
/// The bearer token the fake Azure DevOps endpoints expect (`SYSTEM_ACCESSTOKEN`).
pub const AZURE_DEVOPS_ACCESS_TOKEN: &str = "testkit-azure-devops-access-token";
/// The audience Azure DevOps puts in every ID token.
pub const AZURE_DEVOPS_AUDIENCE: &str = "api://AzureADTokenExchange";
/// The organisation name in Azure DevOps subjects.
pub const AZURE_DEVOPS_ORGANIZATION: &str = "acme";
/// GitHub's default audience when the request names none.
pub const GITHUB_DEFAULT_AUDIENCE: &str = "https://github.com/acme";

/// A client of the fake IdP's client-credentials token endpoint (`POST /idp/token`).
///
/// It may authenticate with its secret (HTTP Basic or form) or, always, with a `private_key_jwt`
/// assertion signed by one of the fake IdP's own keys (see `Testkit::signing_key_pem`, or
/// `GET /_testkit/keys/{RS256|ES256}` over HTTP).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OidcClient {
    /// The client id.
    pub client_id: String,
    /// The client secret, for `client_secret_basic` and `client_secret_post`.
    pub client_secret: Option<String>,
}

/// Routes of the look-alikes.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/ci/github/token", get(github_token))
        .route("/ci/azure-devops/oidc", post(azure_devops_service_connection))
        .route(
            "/ci/azure-devops/{project}/_apis/distributedtask/hubs/{hub}/plans/{plan}/jobs/{job}/oidctoken",
            post(azure_devops_pipeline),
        )
        .route(
            "/computeMetadata/v1/instance/service-accounts/default/identity",
            get(gcp_identity),
        )
        .route("/idp/token", post(oidc_client_credentials))
}

/// Counts one JWT request and mints its JWT for `sub` and `aud`.
fn minted(shared: &Shared, sub: String, aud: String) -> Result<String, String> {
    shared.lock().counters.ci_token_requests += 1;
    mint_jwt(shared, sub, aud)
}

/// Mints a JWT for `sub` and `aud` with the configured CI lifetime.
fn mint_jwt(shared: &Shared, sub: String, aud: String) -> Result<String, String> {
    let lifetime = shared.lock().settings.ci_token_lifetime;
    let request = MintRequest {
        sub,
        aud: vec![aud],
        lifetime: Some(lifetime),
        ..MintRequest::default()
    };
    idp::mint(shared, &request)
}

/// A 500 for a JWT the fake IdP could not sign.
fn signing_failed(error: String) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, error).into_response()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

fn unauthorized(message: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({ "message": message })),
    )
        .into_response()
}

/// `GET /ci/github/token?audience=…` with `Authorization: Bearer <request token>` → `{"value": jwt}`.
async fn github_token(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if bearer(&headers) != Some(GITHUB_REQUEST_TOKEN) {
        return unauthorized("Bad credentials: ACTIONS_ID_TOKEN_REQUEST_TOKEN is missing or wrong");
    }
    let audience = query
        .get("audience")
        .cloned()
        .unwrap_or_else(|| GITHUB_DEFAULT_AUDIENCE.to_owned());
    let subject = shared.lock().settings.ci_subject.clone();
    match minted(&shared, subject, audience) {
        Ok(jwt) => Json(json!({ "count": 1, "value": jwt })).into_response(),
        Err(error) => signing_failed(error),
    }
}

/// The answer to a request without the right `SYSTEM_ACCESSTOKEN`.
fn azure_devops_unauthorized() -> Response {
    unauthorized(
        "TF400813: The user is not authorized to access this resource (SYSTEM_ACCESSTOKEN missing or wrong)",
    )
}

/// `POST /ci/azure-devops/oidc?api-version=7.1&serviceConnectionId=…` → `{"oidcToken": jwt}`
/// with the service-connection subject `sc://acme/<project>/<id>`.
async fn azure_devops_service_connection(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if bearer(&headers) != Some(AZURE_DEVOPS_ACCESS_TOKEN) {
        return azure_devops_unauthorized();
    }
    let Some(connection) = query.get("serviceConnectionId").filter(|id| !id.is_empty()) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "message": "serviceConnectionId is required" })),
        )
            .into_response();
    };
    let subject = format!("sc://{AZURE_DEVOPS_ORGANIZATION}/pipelines/{connection}");
    match minted(&shared, subject, AZURE_DEVOPS_AUDIENCE.to_owned()) {
        Ok(jwt) => Json(json!({ "oidcToken": jwt })).into_response(),
        Err(error) => signing_failed(error),
    }
}

/// `POST /ci/azure-devops/{project}/_apis/distributedtask/hubs/{hub}/plans/{plan}/jobs/{job}/oidctoken`
/// → `{"oidcToken": jwt}` with the pipeline subject `p://acme/<project>/pipeline`.
async fn azure_devops_pipeline(
    State(shared): State<Arc<Shared>>,
    Path((project, _hub, _plan, _job)): Path<(String, String, String, String)>,
    headers: HeaderMap,
) -> Response {
    if bearer(&headers) != Some(AZURE_DEVOPS_ACCESS_TOKEN) {
        return azure_devops_unauthorized();
    }
    let subject = format!("p://{AZURE_DEVOPS_ORGANIZATION}/{project}/pipeline");
    match minted(&shared, subject, AZURE_DEVOPS_AUDIENCE.to_owned()) {
        Ok(jwt) => Json(json!({ "oidcToken": jwt })).into_response(),
        Err(error) => signing_failed(error),
    }
}

/// `GET …/service-accounts/default/identity?audience=…&format=full` with `Metadata-Flavor: Google`
/// → the bare JWT.
async fn gcp_identity(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let flavor = headers
        .get("metadata-flavor")
        .and_then(|value| value.to_str().ok());
    if flavor != Some("Google") {
        return (
            StatusCode::FORBIDDEN,
            "Missing Metadata-Flavor:Google header.",
        )
            .into_response();
    }
    let Some(audience) = query.get("audience").filter(|aud| !aud.is_empty()) else {
        return (
            StatusCode::BAD_REQUEST,
            "non-empty audience parameter required",
        )
            .into_response();
    };
    let subject = shared.lock().settings.ci_subject.clone();
    match minted(&shared, subject, audience.clone()) {
        Ok(jwt) => jwt.into_response(),
        Err(error) => signing_failed(error),
    }
}

/// `POST /idp/token`, `grant_type=client_credentials`, with the client authenticated by
/// `client_secret_basic`, `client_secret_post` or `private_key_jwt` →
/// `{"access_token": jwt, "id_token": jwt, "token_type", "expires_in"}`.
async fn oidc_client_credentials(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let is_form = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(crate::exchange::is_form_content_type);
    if !is_form {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Content-Type must be application/x-www-form-urlencoded",
        );
    }
    let form: HashMap<String, String> = url_form(&body);
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only client_credentials is supported",
        );
    }
    let client_id = match authenticate_client(&shared, &headers, &form) {
        Ok(client_id) => client_id,
        Err(description) => {
            return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", &description);
        }
    };
    let audience = form
        .get("audience")
        .cloned()
        .unwrap_or_else(|| client_id.clone());
    let lifetime = shared.lock().settings.ci_token_lifetime;
    let access_token = minted(&shared, client_id.clone(), audience.clone());
    let id_token = mint_jwt(&shared, client_id, audience);
    match (access_token, id_token) {
        (Ok(access_token), Ok(id_token)) => Json(json!({
            "access_token": access_token,
            "id_token": id_token,
            "token_type": "Bearer",
            "expires_in": lifetime.as_secs(),
        }))
        .into_response(),
        (Err(error), _) | (_, Err(error)) => signing_failed(error),
    }
}

fn url_form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// The authenticated client id, or why authentication failed.
fn authenticate_client(
    shared: &Shared,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<String, String> {
    let clients = shared.lock().oidc_clients.clone();
    let find = |client_id: &str| {
        clients
            .iter()
            .find(|client| client.client_id == client_id)
            .ok_or_else(|| format!("unknown client '{client_id}'"))
    };
    if let Some(basic) = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Basic "))
    {
        let decoded = STANDARD
            .decode(basic)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or("Basic credentials are not base64")?;
        let (client_id, secret) = decoded
            .split_once(':')
            .ok_or("Basic credentials lack ':'")?;
        let client_id = percent_decode(client_id);
        let client = find(&client_id)?;
        return check_secret(client, &percent_decode(secret)).map(|()| client_id);
    }
    if let Some(assertion) = form.get("client_assertion") {
        if form.get("client_assertion_type").map(String::as_str)
            != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        {
            return Err("client_assertion_type must be the jwt-bearer type".into());
        }
        let claims = idp::verify_signature(shared.keys, assertion)?;
        let text = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or_default();
        let client_id = text("iss").to_owned();
        find(&client_id)?;
        if text("sub") != client_id {
            return Err("client assertion: sub must equal iss (the client id)".into());
        }
        let token_endpoint = format!("{}/idp/token", shared.url);
        let audience_ok = match claims.get("aud") {
            Some(Value::String(aud)) => *aud == token_endpoint,
            Some(Value::Array(auds)) => {
                auds.iter().any(|aud| aud.as_str() == Some(&token_endpoint))
            }
            _ => false,
        };
        if !audience_ok {
            return Err(format!("client assertion: aud must be {token_endpoint}"));
        }
        let expired = claims
            .get("exp")
            .and_then(Value::as_i64)
            .is_none_or(|exp| exp < crate::clock::now_secs());
        if expired {
            return Err("client assertion is expired or has no exp".into());
        }
        return Ok(client_id);
    }
    let client_id = form.get("client_id").ok_or("no client authentication")?;
    let client = find(client_id)?;
    check_secret(client, form.get("client_secret").map_or("", String::as_str))
        .map(|()| client_id.clone())
}

fn check_secret(client: &OidcClient, secret: &str) -> Result<(), String> {
    match &client.client_secret {
        Some(expected) if expected == secret => Ok(()),
        Some(_) => Err("client secret is wrong".into()),
        None => Err("this client has no secret; use private_key_jwt".into()),
    }
}

/// RFC 6749 §2.3.1 form-encodes the id and secret inside Basic credentials.
fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}
