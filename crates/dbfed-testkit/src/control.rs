//! The HTTP control API under `/_testkit/`, for tests written in other languages. It drives the
//! same state as the Rust methods on `Testkit`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::ci::OidcClient;
use crate::faults::Fault;
use crate::idp::{self, Alg, MintRequest};
use crate::policy::Policy;
use crate::state::{Settings, Shared};

/// Path prefix of the control API; faults never apply under it.
pub(crate) const CONTROL_PREFIX: &str = "/_testkit/";

/// Routes of the control API.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_testkit/mint", post(mint))
        .route("/_testkit/policies", post(add_policy))
        .route("/_testkit/oidc-clients", post(add_oidc_client))
        .route("/_testkit/keys/{alg}", get(signing_key))
        .route("/_testkit/faults", post(add_fault).delete(clear_faults))
        .route("/_testkit/settings", post(update_settings))
        .route("/_testkit/counters", get(counters))
        .route("/_testkit/exchanges", get(exchanges))
        .route("/_testkit/reset", post(reset))
        .route("/_testkit/revoke", post(revoke))
}

/// A control request the testkit could not carry out.
pub(crate) struct ControlError {
    status: StatusCode,
    message: String,
}

impl ControlError {
    fn bad_request(message: impl Into<String>) -> Self {
        ControlError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        ControlError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: message.into(),
        }
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ControlError> {
    serde_json::from_slice(body)
        .map_err(|error| ControlError::bad_request(format!("invalid JSON body: {error}")))
}

async fn mint(State(shared): State<Arc<Shared>>, body: Bytes) -> Result<Json<Value>, ControlError> {
    let request: MintRequest = parse_json(&body)?;
    let jwt = idp::mint(&shared, &request).map_err(|message| ControlError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message,
    })?;
    Ok(Json(json!({ "jwt": jwt })))
}

async fn add_policy(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<StatusCode, ControlError> {
    let policy: Policy = parse_json(&body)?;
    shared.lock().policies.push(policy);
    Ok(StatusCode::NO_CONTENT)
}

async fn add_oidc_client(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<StatusCode, ControlError> {
    let client: OidcClient = parse_json(&body)?;
    if client.client_id.is_empty() {
        return Err(ControlError::bad_request("client_id is required"));
    }
    shared.lock().oidc_clients.push(client);
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /_testkit/keys/{RS256|ES256}` → `{"alg", "private_key_pem"}`: the fake IdP's private key
/// (PKCS#8 PEM), as `Testkit::signing_key_pem` gives it, to sign `private_key_jwt` assertions.
async fn signing_key(
    State(shared): State<Arc<Shared>>,
    Path(alg): Path<String>,
) -> Result<Json<Value>, ControlError> {
    let alg: Alg = serde_json::from_value(Value::String(alg))
        .map_err(|_| ControlError::bad_request("the algorithm must be RS256 or ES256"))?;
    Ok(Json(
        json!({ "alg": alg, "private_key_pem": shared.keys.private_key_pem(alg) }),
    ))
}

async fn add_fault(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<StatusCode, ControlError> {
    let fault: Fault = parse_json(&body)?;
    fault.validate().map_err(ControlError::bad_request)?;
    shared.lock().faults.push(fault);
    Ok(StatusCode::NO_CONTENT)
}

/// Drops every queued fault.
async fn clear_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.lock().faults.clear();
    StatusCode::NO_CONTENT
}

/// Applies a partial settings object: fields it leaves out keep their current values. Answers
/// with the resulting settings.
async fn update_settings(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Json<Settings>, ControlError> {
    let Value::Object(patch) = parse_json(&body)? else {
        return Err(ControlError::bad_request("settings must be a JSON object"));
    };
    let mut state = shared.lock();
    let Ok(Value::Object(mut merged)) = serde_json::to_value(&state.settings) else {
        return Err(ControlError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "current settings do not serialize to a JSON object".into(),
        });
    };
    merged.extend(patch);
    let settings: Settings = serde_json::from_value(Value::Object(merged))
        .map_err(|error| ControlError::bad_request(format!("invalid settings: {error}")))?;
    state.settings = settings.clone();
    Ok(Json(settings))
}

async fn counters(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    Json(shared.lock().counters)
}

async fn exchanges(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    Json(shared.lock().exchanges.clone())
}

/// Revokes every access token issued so far: the protected API answers them 401, as Databricks
/// answers a revoked token that has not expired. Answers `{"revoked": n}`.
async fn revoke(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    Json(json!({ "revoked": shared.revoke_tokens() }))
}

async fn reset(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.reset();
    StatusCode::NO_CONTENT
}
