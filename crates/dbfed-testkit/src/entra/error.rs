//! Entra's error responses: RFC 6749 fields plus `error_codes`, `trace_id` and `correlation_id`,
//! the description starting with the `AADSTS` code, and the trace id in `x-ms-request-id`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::tokens::uuid_form;
use crate::clock;

/// A refused Entra request.
#[derive(Debug)]
pub(crate) struct EntraError {
    status: StatusCode,
    error: &'static str,
    code: u32,
    message: String,
}

impl EntraError {
    /// A 400 answer with the given OAuth error, `AADSTS` code and message.
    pub fn bad_request(error: &'static str, code: u32, message: impl Into<String>) -> Self {
        EntraError {
            status: StatusCode::BAD_REQUEST,
            error,
            code,
            message: message.into(),
        }
    }

    /// A 401 `invalid_client` answer (client authentication failed).
    pub fn invalid_client(code: u32, message: impl Into<String>) -> Self {
        EntraError {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            code,
            message: message.into(),
        }
    }

    /// AADSTS900144: a required parameter is missing.
    pub fn missing(parameter: &str) -> Self {
        EntraError::bad_request(
            "invalid_request",
            900_144,
            format!("The request body must contain the following parameter: '{parameter}'."),
        )
    }
}

impl IntoResponse for EntraError {
    fn into_response(self) -> Response {
        let trace_id = uuid_form(fastrand::u128(..));
        let correlation_id = uuid_form(fastrand::u128(..));
        let timestamp = clock::rfc3339(clock::now_secs());
        let body = json!({
            "error": self.error,
            "error_description": format!(
                "AADSTS{}: {} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {timestamp}",
                self.code, self.message
            ),
            "error_codes": [self.code],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
        });
        let mut response = (self.status, Json(body)).into_response();
        if let Ok(value) = trace_id.parse() {
            response.headers_mut().insert("x-ms-request-id", value);
        }
        response
    }
}
