//! Managed-identity token endpoints: the Azure Instance Metadata Service's
//! (`GET /metadata/identity/oauth2/token?api-version=…&resource=…[&client_id=…]` with
//! `Metadata: true`, answering with IMDS's string-valued numbers), and the identity endpoint of
//! App Service, Functions and Container Apps (`GET /msi/token?api-version=2019-08-01&…` with
//! `X-IDENTITY-HEADER`, answering with `expires_on` only).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::json;

use super::tokens::{self, Principal, Version};
use super::{ManagedIdentity, RecordedEntraRequest};
use crate::clock;
use crate::reply::oauth_error;
use crate::state::Shared;

/// The `X-IDENTITY-HEADER` value the fake App Service identity endpoint expects (what
/// `IDENTITY_HEADER` is set to in tests).
pub const APP_SERVICE_IDENTITY_HEADER: &str = "testkit-identity-header";

/// The API version of the App Service identity endpoint.
const APP_SERVICE_API_VERSION: &str = "2019-08-01";

/// Answers an IMDS token request for a configured managed identity.
pub(crate) async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Extension(request): Extension<RecordedEntraRequest>,
) -> Response {
    let metadata = headers
        .get("metadata")
        .and_then(|value| value.to_str().ok());
    if metadata != Some("true") {
        return bad_request("Required metadata header not specified");
    }
    let query = |name: &str| query_value(&request, name);
    if query("api-version").is_none() {
        return bad_request("Required query variable 'api-version' is missing");
    }
    match issue(&shared, &request) {
        Ok((identity, issued, resource)) => {
            let now = clock::now_secs();
            let lifetime = issued.lifetime.as_secs();
            Json(json!({
                "access_token": issued.jwt,
                "client_id": identity.client_id,
                "expires_in": lifetime.to_string(),
                "expires_on": expires_on(now, lifetime).to_string(),
                "ext_expires_in": lifetime.to_string(),
                "not_before": now.to_string(),
                "resource": resource,
                "token_type": "Bearer",
            }))
            .into_response()
        }
        Err(response) => *response,
    }
}

/// Answers an App Service identity-endpoint token request for a configured managed identity.
pub(crate) async fn app_service_token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Extension(request): Extension<RecordedEntraRequest>,
) -> Response {
    let secret = headers
        .get("x-identity-header")
        .and_then(|value| value.to_str().ok());
    if secret != Some(APP_SERVICE_IDENTITY_HEADER) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_request",
            "X-IDENTITY-HEADER is missing or wrong",
        );
    }
    if query_value(&request, "api-version") != Some(APP_SERVICE_API_VERSION) {
        return bad_request("api-version must be 2019-08-01");
    }
    match issue(&shared, &request) {
        Ok((identity, issued, resource)) => {
            let now = clock::now_secs();
            Json(json!({
                "access_token": issued.jwt,
                "client_id": identity.client_id,
                "expires_on": expires_on(now, issued.lifetime.as_secs()).to_string(),
                "resource": resource,
                "token_type": "Bearer",
            }))
            .into_response()
        }
        Err(response) => *response,
    }
}

fn bad_request(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_request", description)
}

fn query_value<'a>(request: &'a RecordedEntraRequest, name: &str) -> Option<&'a str> {
    request
        .query
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
        .filter(|value| !value.is_empty())
}

fn expires_on(now: i64, lifetime: u64) -> i64 {
    now.saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX))
}

/// A token for the identity the request names (`client_id`, else the system-assigned one), for
/// its `resource`; or the error response.
fn issue(
    shared: &Shared,
    request: &RecordedEntraRequest,
) -> Result<(ManagedIdentity, tokens::Issued, String), Box<Response>> {
    let Some(resource) = query_value(request, "resource") else {
        return Err(Box::new(bad_request(
            "Required query variable 'resource' is missing",
        )));
    };
    let identity = {
        let state = shared.lock();
        let identities = &state.entra.managed_identities;
        match query_value(request, "client_id") {
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
        return Err(Box::new(bad_request("Identity not found")));
    };
    let principal = Principal::App {
        client_id: &identity.client_id,
    };
    match tokens::issue(shared, &identity.tenant, Version::V1, resource, principal) {
        Ok(issued) => Ok((identity, issued, resource.to_owned())),
        Err(message) => Err(Box::new(
            (StatusCode::INTERNAL_SERVER_ERROR, message).into_response(),
        )),
    }
}
