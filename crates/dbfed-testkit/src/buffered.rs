//! Reading a request's body once, so that it can be recorded (content type, form fields) and
//! still be handed to its handler.

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::Request;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;

use crate::exchange::is_form_content_type;

/// The largest request body the token endpoints read.
const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// A request whose body has been read.
pub(crate) struct BufferedRequest {
    /// Method, URI, headers, extensions.
    pub parts: Parts,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// Form fields in the order received; empty unless the body was form-encoded.
    pub form: Vec<(String, String)>,
    /// The body; `None` when it was too large or could not be read.
    body: Option<Bytes>,
}

impl BufferedRequest {
    /// Reads `request`'s body (up to 64 KiB) and its form fields.
    pub async fn read(request: Request) -> BufferedRequest {
        let (parts, body) = request.into_parts();
        let content_type = parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = to_bytes(body, MAX_REQUEST_BYTES).await.ok();
        let form = match (&body, content_type.as_deref()) {
            (Some(bytes), Some(content_type)) if is_form_content_type(content_type) => {
                url::form_urlencoded::parse(bytes).into_owned().collect()
            }
            _ => Vec::new(),
        };
        BufferedRequest {
            parts,
            content_type,
            form,
            body,
        }
    }

    /// The request again, with `record` attached for its handler; `None` if the body was unreadable.
    pub fn into_request<T: Clone + Send + Sync + 'static>(self, record: T) -> Option<Request> {
        let mut request = Request::from_parts(self.parts, Body::from(self.body?));
        request.extensions_mut().insert(record);
        Some(request)
    }
}
