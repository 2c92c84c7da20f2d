//! The Azure Instance Metadata Service's managed-identity token endpoint:
//! `GET /metadata/identity/oauth2/token?api-version=…&resource=…[&client_id=…]` with
//! `Metadata: true`, answering with IMDS's string-valued numbers.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::json;

use super::RecordedEntraRequest;
use super::tokens::{self, Principal, Version};
use crate::clock;
use crate::reply::oauth_error;
use crate::state::Shared;

/// Answers an IMDS token request for a configured managed identity.
pub(crate) async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Extension(request): Extension<RecordedEntraRequest>,
) -> Response {
    let bad_request =
        |description: &str| oauth_error(StatusCode::BAD_REQUEST, "invalid_request", description);
    let metadata = headers
        .get("metadata")
        .and_then(|value| value.to_str().ok());
    if metadata != Some("true") {
        return bad_request("Required metadata header not specified");
    }
    let query = |name: &str| {
        request
            .query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .filter(|value| !value.is_empty())
    };
    if query("api-version").is_none() {
        return bad_request("Required query variable 'api-version' is missing");
    }
    let Some(resource) = query("resource") else {
        return bad_request("Required query variable 'resource' is missing");
    };
    let identity = {
        let state = shared.lock();
        let identities = &state.entra.managed_identities;
        match query("client_id") {
            Some(client_id) => identities
                .iter()
                .find(|identity| identity.client_id == client_id)
                .cloned(),
            None => identities
                .iter()
                .find(|identity| identity.system_assigned)
                .cloned(),
        }
    };
    let Some(identity) = identity else {
        return bad_request("Identity not found");
    };
    let principal = Principal::App {
        client_id: &identity.client_id,
    };
    match tokens::issue(&shared, &identity.tenant, Version::V1, resource, principal) {
        Ok(issued) => {
            let now = clock::now_secs();
            let lifetime = issued.lifetime.as_secs();
            let expires_on = now.saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX));
            Json(json!({
                "access_token": issued.jwt,
                "client_id": identity.client_id,
                "expires_in": lifetime.to_string(),
                "expires_on": expires_on.to_string(),
                "ext_expires_in": lifetime.to_string(),
                "not_before": now.to_string(),
                "resource": resource,
                "token_type": "Bearer",
            }))
            .into_response()
        }
        Err(message) => (StatusCode::INTERNAL_SERVER_ERROR, message).into_response(),
    }
}
