//! Recording every request to the fake Entra and IMDS before it is routed (faulted ones
//! included), so tests can check exactly what a client sent.

use axum::extract::Request;
use axum::http::Method;
use axum::response::{IntoResponse, Response};

use super::error::EntraError;
use super::{APP_SERVICE_TOKEN_PATH, IMDS_TOKEN_PATH, RecordedEntraRequest};
use crate::buffered::BufferedRequest;
use crate::state::Shared;

/// Whether the request goes to an Entra token endpoint or a managed-identity token endpoint.
pub(crate) fn is_entra_request(method: &Method, path: &str) -> bool {
    match *method {
        Method::POST => path
            .strip_prefix("/entra/")
            .and_then(|rest| rest.split_once('/'))
            .is_some_and(|(tenant, endpoint)| {
                !tenant.is_empty() && matches!(endpoint, "oauth2/token" | "oauth2/v2.0/token")
            }),
        Method::GET => path == IMDS_TOKEN_PATH || path == APP_SERVICE_TOKEN_PATH,
        _ => false,
    }
}

/// Buffers the request's body, records the request, and attaches the record for the handler.
pub(crate) async fn record(shared: &Shared, request: Request) -> Result<Request, Response> {
    let buffered = BufferedRequest::read(request).await;
    let query = buffered
        .parts
        .uri
        .query()
        .map(|query| {
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let recorded = RecordedEntraRequest {
        method: buffered.parts.method.to_string(),
        path: buffered.parts.uri.path().to_owned(),
        query,
        content_type: buffered.content_type.clone(),
        form: buffered.form.clone(),
    };
    shared.lock().entra.requests.push(recorded.clone());
    buffered.into_request(recorded).ok_or_else(|| {
        EntraError::bad_request(
            "invalid_request",
            90_014,
            "The request body is too large or could not be read.",
        )
        .into_response()
    })
}
