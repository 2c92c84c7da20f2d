//! JSON error bodies in the two shapes Databricks uses.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// RFC 6749 shape: `{"error": "...", "error_description": "..."}`.
pub(crate) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = json!({ "error": error, "error_description": description });
    (status, Json(body)).into_response()
}

/// Databricks platform shape: `{"error_code": "...", "message": "..."}`.
pub(crate) fn platform_error(status: StatusCode, error_code: &str, message: &str) -> Response {
    let body = json!({ "error_code": error_code, "message": message });
    (status, Json(body)).into_response()
}
