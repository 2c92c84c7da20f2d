//! Fault injection: queued faults that take over the next matching requests.

use std::time::Duration;

use axum::body::Body;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use axum::http::{HeaderValue, Response, StatusCode};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};

use crate::connection::ConnectionAbort;
use crate::duration_serde;
use crate::state::State;

/// A fault that takes over the next `count` requests whose path starts with `path`.
///
/// After `delay`, the first applicable action wins: `drop_connection`, `reset_connection`,
/// `redirect_to`, `body_bytes`, then `status`/`body` (sent slowly with `body_delay`, or cut
/// short with `truncate_body`). A fault with only a `delay` slows the request down and
/// then lets it be handled normally.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fault {
    /// Path prefix the fault applies to; default `/oidc/` (token endpoints and OIDC discovery).
    /// `/_testkit/` is never faulted.
    pub path: String,
    /// How many matching requests it takes over; default 1.
    pub count: u32,
    /// Response status; default 200 when only `body` is set, 307 for `redirect_to`.
    pub status: Option<u16>,
    /// Response body; default a JSON `temporarily_unavailable` error.
    pub body: Option<String>,
    /// `Content-Type` of `body`/`body_bytes`; default `application/json`.
    pub content_type: Option<String>,
    /// `Retry-After` header value sent with `status`/`body`.
    pub retry_after: Option<String>,
    /// Wait this long before acting (`delay_ms` in JSON).
    #[serde(rename = "delay_ms", with = "duration_serde::opt_ms")]
    pub delay: Option<Duration>,
    /// Close the connection without sending any response.
    pub drop_connection: bool,
    /// Reset the connection (TCP RST) without sending any response.
    pub reset_connection: bool,
    /// Send the headers at once and the body after this long (`body_delay_ms` in JSON).
    #[serde(rename = "body_delay_ms", with = "duration_serde::opt_ms")]
    pub body_delay: Option<Duration>,
    /// Announce a longer `Content-Length` than the body, then close the connection.
    pub truncate_body: bool,
    /// Redirect here (`Location` header) with `status` 302 or 307 (default).
    pub redirect_to: Option<String>,
    /// Respond 200 with a body of this many filler bytes.
    pub body_bytes: Option<usize>,
    /// Hold the connection open without reading the request or answering it, until the testkit
    /// stops (the request's path is peeked at, never read).
    pub never_read: bool,
}

impl Default for Fault {
    fn default() -> Self {
        Fault {
            path: "/oidc/".into(),
            count: 1,
            status: None,
            body: None,
            content_type: None,
            retry_after: None,
            delay: None,
            drop_connection: false,
            reset_connection: false,
            body_delay: None,
            truncate_body: false,
            redirect_to: None,
            body_bytes: None,
            never_read: false,
        }
    }
}

impl Fault {
    /// A 400 `invalid_request` refusal at `path` whose description echoes `echoed` (what a
    /// careless server does with what it was sent): for the tests that nothing echoed shows.
    pub fn refusal_echoing(path: &str, echoed: &str) -> Self {
        Fault {
            path: path.into(),
            status: Some(400),
            body: Some(
                serde_json::json!({"error": "invalid_request", "error_description": format!("echo {echoed}")})
                    .to_string(),
            ),
            ..Fault::default()
        }
    }

    /// Checks the fault can be turned into a response; the error says what is wrong.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.count == 0 {
            return Err("fault count must be at least 1".into());
        }
        if let Some(status) = self.status {
            StatusCode::from_u16(status).map_err(|_| format!("invalid HTTP status {status}"))?;
        }
        match (self.status, &self.redirect_to) {
            (Some(status), Some(_)) if !(300..400).contains(&status) => {
                return Err(format!("redirect status must be 3xx, got {status}"));
            }
            _ => {}
        }
        for (name, value) in [
            ("content_type", &self.content_type),
            ("retry_after", &self.retry_after),
            ("redirect_to", &self.redirect_to),
        ] {
            if let Some(value) = value {
                HeaderValue::from_str(value)
                    .map_err(|_| format!("{name} is not a valid header value"))?;
            }
        }
        Ok(())
    }
}

/// Takes one use of the first queued request fault whose path prefixes `path`, counting it.
pub(crate) fn take(state: &mut State, path: &str) -> Option<Fault> {
    let index = state
        .faults
        .iter()
        .position(|fault| !fault.never_read && path.starts_with(&fault.path))?;
    Some(take_at(state, index))
}

/// Takes one use of the first queued `never_read` fault whose path prefixes `path`, counting
/// it: whether the connection whose request is for `path` is to be held unread.
pub(crate) fn take_never_read(state: &mut State, path: &str) -> bool {
    if path.starts_with(crate::control::CONTROL_PREFIX) {
        return false;
    }
    let index = state
        .faults
        .iter()
        .position(|fault| fault.never_read && path.starts_with(&fault.path));
    index.map(|index| take_at(state, index)).is_some()
}

/// Takes one use of the queued fault at `index`, counting it.
fn take_at(state: &mut State, index: usize) -> Fault {
    let queued = &mut state.faults[index];
    queued.count = queued.count.saturating_sub(1);
    let taken = queued.clone();
    if queued.count == 0 {
        state.faults.remove(index);
    }
    state.counters.faults += 1;
    taken
}

/// Carries out `fault`. `None` means the fault was only a delay and the request should be
/// handled normally.
pub(crate) async fn respond(
    fault: Fault,
    connection: Option<&ConnectionAbort>,
) -> Option<Response<Body>> {
    if let Some(delay) = fault.delay {
        tokio::time::sleep(delay).await;
    }
    let content_type = fault.content_type.as_deref().unwrap_or("application/json");
    let built = if fault.drop_connection || fault.reset_connection {
        if let Some(connection) = connection {
            if fault.reset_connection {
                connection.reset();
            } else {
                connection.abort();
            }
        }
        // Never written: the aborted connection fails the write and is closed.
        Response::builder()
            .status(StatusCode::SERVICE_UNAVAILABLE)
            .body(Body::empty())
    } else if let Some(location) = &fault.redirect_to {
        Response::builder()
            .status(fault.status.unwrap_or(307))
            .header(LOCATION, location)
            .body(Body::empty())
    } else if let Some(size) = fault.body_bytes {
        Response::builder()
            .header(CONTENT_TYPE, content_type)
            .body(Body::from(vec![b'x'; size]))
    } else if fault.status.is_some() || fault.body.is_some() {
        let status = fault.status.unwrap_or(200);
        let body = fault.body.clone().unwrap_or_else(|| {
            serde_json::json!({
                "error": "temporarily_unavailable",
                "error_description": format!("Injected fault: HTTP {status}"),
            })
            .to_string()
        });
        let mut builder = Response::builder()
            .status(status)
            .header(CONTENT_TYPE, content_type);
        if let Some(retry_after) = &fault.retry_after {
            builder = builder.header(RETRY_AFTER, retry_after);
        }
        if fault.body_delay.is_none() && !fault.truncate_body {
            builder.body(Body::from(body))
        } else {
            // A streamed body with a declared length: hyper sends the headers at once, and
            // closes the connection when the stream ends short of the length.
            let announced = body.len() + if fault.truncate_body { 64 } else { 0 };
            let delay = fault.body_delay.unwrap_or_default();
            let chunk = futures::stream::once(async move {
                tokio::time::sleep(delay).await;
                Ok::<_, std::io::Error>(body)
            });
            builder
                .header(CONTENT_LENGTH, announced)
                .body(Body::from_stream(chunk))
        }
    } else {
        return None;
    };
    Some(built.unwrap_or_else(|error| {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("dbfed-testkit: cannot build fault response: {error}"),
        )
            .into_response()
    }))
}
