//! Recording every request to the fake Entra and IMDS before it is routed (faulted ones
//! included), so tests can check exactly what a client sent.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::Method;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use super::error::EntraError;
use super::{IMDS_TOKEN_PATH, RecordedEntraRequest};
use crate::exchange::is_form_content_type;
use crate::state::Shared;

/// Largest Entra request body accepted.
const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// Whether the request goes to an Entra token endpoint or the IMDS token endpoint.
pub(crate) fn is_entra_request(method: &Method, path: &str) -> bool {
    match *method {
        Method::POST => path
            .strip_prefix("/entra/")
            .and_then(|rest| rest.split_once('/'))
            .is_some_and(|(tenant, endpoint)| {
                !tenant.is_empty() && matches!(endpoint, "oauth2/token" | "oauth2/v2.0/token")
            }),
        Method::GET => path == IMDS_TOKEN_PATH,
        _ => false,
    }
}

/// Buffers the request's body, records the request, and attaches the record for the handler.
pub(crate) async fn record(shared: &Shared, request: Request) -> Result<Request, Response> {
    let (parts, body) = request.into_parts();
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let body = to_bytes(body, MAX_REQUEST_BYTES).await;
    let form = match (&body, content_type.as_deref()) {
        (Ok(bytes), Some(content_type)) if is_form_content_type(content_type) => {
            url::form_urlencoded::parse(bytes).into_owned().collect()
        }
        _ => Vec::new(),
    };
    let query = parts
        .uri
        .query()
        .map(|query| {
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let recorded = RecordedEntraRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query,
        content_type,
        form,
    };
    shared.lock().entra.requests.push(recorded.clone());
    let Ok(bytes) = body else {
        return Err(EntraError::bad_request(
            "invalid_request",
            90_014,
            "The request body is too large or could not be read.",
        )
        .into_response());
    };
    let mut request = Request::from_parts(parts, Body::from(bytes));
    request.extensions_mut().insert(recorded);
    Ok(request)
}
