//! The fake Databricks host: host metadata, RFC 8414 discovery, the two token endpoints and two
//! protected APIs (`SCIM Me`, and model serving's OpenAI-compatible chat completions).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use crate::clock;
use crate::entra;
use crate::exchange;
use crate::reply::platform_error;
use crate::state::{HostType, RecordedExchange, Shared};

const HOST_METADATA_PATH: &str = "/.well-known/databricks-config";
const WORKSPACE_DISCOVERY_PATH: &str = "/oidc/.well-known/oauth-authorization-server";
const WORKSPACE_TOKEN_PATH: &str = "/oidc/v1/token";
const ACCOUNT_PREFIX: &str = "/oidc/accounts/";
const ACCOUNT_DISCOVERY_SUFFIX: &str = "/.well-known/oauth-authorization-server";
const ACCOUNT_TOKEN_SUFFIX: &str = "/v1/token";
const ME_PATH: &str = "/api/2.0/preview/scim/v2/Me";
const CHAT_COMPLETIONS_PATH: &str = "/serving-endpoints/chat/completions";
const WORKSPACE_ID: &str = "1234567890";

/// What a request is, for counting and recording before it is routed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RequestKind {
    /// POST to a token endpoint.
    TokenExchange,
    /// GET of host metadata or an authorization-server document.
    Discovery,
    /// Call of the protected API.
    ApiCall,
    /// Anything else.
    Other,
}

/// Classifies a request by method and path, matching the routes below.
pub(crate) fn classify(method: &Method, path: &str) -> RequestKind {
    let account_path = |suffix: &str| {
        path.strip_prefix(ACCOUNT_PREFIX)
            .and_then(|rest| rest.strip_suffix(suffix))
            .is_some_and(|account_id| !account_id.is_empty() && !account_id.contains('/'))
    };
    match *method {
        Method::POST if path == WORKSPACE_TOKEN_PATH || account_path(ACCOUNT_TOKEN_SUFFIX) => {
            RequestKind::TokenExchange
        }
        Method::GET
            if path == HOST_METADATA_PATH
                || path == WORKSPACE_DISCOVERY_PATH
                || account_path(ACCOUNT_DISCOVERY_SUFFIX) =>
        {
            RequestKind::Discovery
        }
        Method::GET | Method::POST if path == ME_PATH => RequestKind::ApiCall,
        Method::POST if path == CHAT_COMPLETIONS_PATH => RequestKind::ApiCall,
        _ => RequestKind::Other,
    }
}

/// Routes of the fake Databricks host.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(HOST_METADATA_PATH, get(host_metadata))
        .route(WORKSPACE_DISCOVERY_PATH, get(workspace_discovery))
        .route(
            "/oidc/accounts/{account_id}/.well-known/oauth-authorization-server",
            get(account_discovery),
        )
        .route(WORKSPACE_TOKEN_PATH, post(workspace_token))
        .route("/oidc/accounts/{account_id}/v1/token", post(account_token))
        .route(ME_PATH, get(me).post(me))
        .route(CHAT_COMPLETIONS_PATH, post(chat_completions))
}

async fn host_metadata(State(shared): State<Arc<Shared>>) -> Response {
    let settings = shared.lock().settings.clone();
    if !settings.host_metadata {
        return platform_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "Host metadata is not available on this host",
        );
    }
    let mut metadata = json!({
        "account_id": shared.account_id,
        "cloud": "aws",
    });
    match settings.host_type {
        HostType::Workspace => {
            metadata["oidc_endpoint"] = json!(format!("{}/oidc", shared.url));
            metadata["workspace_id"] = json!(WORKSPACE_ID);
            metadata["host_type"] = json!("workspace");
        }
        HostType::Account => {
            metadata["oidc_endpoint"] =
                json!(format!("{}/oidc/accounts/{{account_id}}", shared.url));
            metadata["host_type"] = json!("account");
        }
    }
    if !settings.default_audiences.is_empty() {
        metadata["token_federation_default_oidc_audiences"] = json!(settings.default_audiences);
    }
    Json(metadata).into_response()
}

/// An RFC 8414 document for the OIDC root `oidc_root`.
fn authorization_server(oidc_root: String) -> Json<Value> {
    Json(json!({
        "issuer": oidc_root,
        "authorization_endpoint": format!("{oidc_root}/v1/authorize"),
        "token_endpoint": format!("{oidc_root}/v1/token"),
    }))
}

async fn workspace_discovery(State(shared): State<Arc<Shared>>) -> Json<Value> {
    authorization_server(format!("{}/oidc", shared.url))
}

async fn account_discovery(
    State(shared): State<Arc<Shared>>,
    Path(account_id): Path<String>,
) -> Response {
    if account_id != shared.account_id {
        return unknown_account(&account_id);
    }
    authorization_server(format!("{}/oidc/accounts/{account_id}", shared.url)).into_response()
}

fn unknown_account(account_id: &str) -> Response {
    platform_error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        &format!("Account '{account_id}' does not exist"),
    )
}

async fn workspace_token(
    State(shared): State<Arc<Shared>>,
    Extension(request): Extension<RecordedExchange>,
) -> Response {
    token_response(&shared, &request)
}

async fn account_token(
    State(shared): State<Arc<Shared>>,
    Path(account_id): Path<String>,
    Extension(request): Extension<RecordedExchange>,
) -> Response {
    if account_id != shared.account_id {
        shared.lock().counters.rejections += 1;
        return unknown_account(&account_id);
    }
    token_response(&shared, &request)
}

/// Runs the exchange and counts its outcome.
fn token_response(shared: &Shared, request: &RecordedExchange) -> Response {
    let outcome = exchange::exchange(shared, request);
    let mut state = shared.lock();
    match outcome {
        Ok(body) => {
            state.counters.successes += 1;
            Json(body).into_response()
        }
        Err(rejection) => {
            state.counters.rejections += 1;
            tracing::debug!(?rejection, "dbfed-testkit: token exchange rejected");
            rejection.into_response()
        }
    }
}

/// The principal of the request's bearer token, or 401; a POST (the testkit's own addition, for
/// clients that send bodies) also gets the size of the body it sent, as `bodyBytes`.
async fn me(
    State(shared): State<Arc<Shared>>,
    method: Method,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, Unauthenticated> {
    let principal = authenticated(&shared, &headers)?;
    let mut me = json!({
        "id": scim_id(&principal),
        "userName": principal,
        "active": true,
    });
    if method == Method::POST {
        me["bodyBytes"] = json!(body.len());
    }
    Ok(Json(me))
}

/// Model serving's OpenAI-compatible chat completions, for a bearer token as `Me` checks it: a
/// `chat.completion` whose one message is the principal's name, for the request's `model`; with
/// `"stream": true`, the same as `chat.completion.chunk` server-sent events ending in `[DONE]`.
async fn chat_completions(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, Unauthenticated> {
    let principal = authenticated(&shared, &headers)?;
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return Ok(platform_error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "The request body is not JSON",
        ));
    };
    let model = request["model"].clone();
    let created = clock::now_secs();
    if request["stream"] != json!(true) {
        return Ok(Json(json!({
            "id": "chatcmpl-testkit",
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [{
                "index": 0,
                "message": { "role": "assistant", "content": principal },
                "finish_reason": "stop",
            }],
        }))
        .into_response());
    }
    let chunk = |delta: Value, finish_reason: Value| {
        json!({
            "id": "chatcmpl-testkit",
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{ "index": 0, "delta": delta, "finish_reason": finish_reason }],
        })
    };
    let events = format!(
        "data: {}\n\ndata: {}\n\ndata: [DONE]\n\n",
        chunk(
            json!({ "role": "assistant", "content": principal }),
            Value::Null
        ),
        chunk(json!({}), json!("stop")),
    );
    Ok(([(CONTENT_TYPE, "text/event-stream")], events).into_response())
}

/// The principal of the request's bearer token (an issued token, unexpired and not revoked, or
/// an Entra token for the Azure Databricks resource), else a 401, counted as an API rejection.
fn authenticated(shared: &Shared, headers: &HeaderMap) -> Result<String, Unauthenticated> {
    let now = clock::now_secs();
    let mut state = shared.lock();
    let principal = match bearer_token(headers) {
        None => Err("Missing or malformed Authorization header (expected 'Bearer <token>')"),
        Some(token) => match state.issued.get(token) {
            None => entra::principal_of(shared, token, now),
            Some(issued) if issued.expires_at <= now => Err("Access token expired"),
            Some(issued) => Ok(issued.principal.clone()),
        },
    };
    principal.map_err(|message| {
        state.counters.api_rejections += 1;
        Unauthenticated(message)
    })
}

/// The 401 of the protected APIs: why the token was refused, as Databricks' `UNAUTHENTICATED`.
struct Unauthenticated(&'static str);

impl IntoResponse for Unauthenticated {
    fn into_response(self) -> Response {
        platform_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", self.0)
    }
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// A stable numeric SCIM id for a principal (FNV-1a, 16 digits).
fn scim_id(principal: &str) -> String {
    let hash = principal
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("{:016}", hash % 10_u64.pow(16))
}
