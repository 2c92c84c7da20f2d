//! The fake Entra's part of the control API: register apps and managed identities, mint a
//! signed-in user's Entra token, and list the requests received.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::tokens::mint_user_token;
use super::{EntraApp, EntraUserToken, ManagedIdentity};
use crate::control::{ControlError, parse_json};
use crate::state::Shared;

/// Routes under `/_testkit/entra/`.
pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_testkit/entra/apps", post(add_app))
        .route(
            "/_testkit/entra/managed_identities",
            post(add_managed_identity),
        )
        .route("/_testkit/entra/user_tokens", post(mint))
        .route("/_testkit/entra/requests", get(requests))
}

async fn add_app(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<StatusCode, ControlError> {
    let app: EntraApp = parse_json(&body)?;
    shared.lock().entra.apps.push(app);
    Ok(StatusCode::NO_CONTENT)
}

async fn add_managed_identity(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<StatusCode, ControlError> {
    let identity: ManagedIdentity = parse_json(&body)?;
    shared.lock().entra.managed_identities.push(identity);
    Ok(StatusCode::NO_CONTENT)
}

async fn mint(State(shared): State<Arc<Shared>>, body: Bytes) -> Result<Json<Value>, ControlError> {
    let request: EntraUserToken = parse_json(&body)?;
    let token = mint_user_token(&shared, &request).map_err(ControlError::internal)?;
    Ok(Json(json!({ "access_token": token })))
}

async fn requests(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    Json(shared.lock().entra.requests.clone())
}
