//! The RFC 8693 token exchange as the fake Databricks token endpoint performs it: request
//! checks, subject-token verification, policy matching and issuing an opaque access token.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::clock;
use crate::idp;
use crate::policy::{self, Policy};
use crate::reply::oauth_error;
use crate::state::{IssuedToken, RecordedExchange, Shared};

const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const JWT_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";
const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";
const DEFAULT_SCOPE: &str = "all-apis";
/// Clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECS: i64 = 5;

/// Whether a `Content-Type` header value is a form encoding (parameters such as charset allowed).
pub(crate) fn is_form_content_type(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case(FORM_CONTENT_TYPE))
}

/// Why an exchange was refused, as an RFC 6749 error response.
#[derive(Debug)]
pub(crate) struct Rejection {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl Rejection {
    fn invalid_request(description: impl Into<String>) -> Self {
        Rejection {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
            description: description.into(),
        }
    }

    fn invalid_grant(description: impl Into<String>) -> Self {
        Rejection {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_grant",
            description: description.into(),
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        oauth_error(self.status, self.error, &self.description)
    }
}

/// Performs the exchange described by `request` and returns the token response body.
pub(crate) fn exchange(shared: &Shared, request: &RecordedExchange) -> Result<Value, Rejection> {
    let content_type = request.content_type.as_deref().unwrap_or_default();
    if !is_form_content_type(content_type) {
        return Err(Rejection::invalid_request(format!(
            "Content-Type must be {FORM_CONTENT_TYPE} (got '{content_type}')"
        )));
    }
    let param = |name: &str| form_param(&request.form, name);

    match param("grant_type")? {
        None => return Err(Rejection::invalid_request("Missing grant_type")),
        Some(TOKEN_EXCHANGE_GRANT) => {}
        Some(other) => {
            return Err(Rejection {
                status: StatusCode::BAD_REQUEST,
                error: "unsupported_grant_type",
                description: format!(
                    "Unsupported grant_type '{other}' (expected {TOKEN_EXCHANGE_GRANT})"
                ),
            });
        }
    }
    match param("subject_token_type")? {
        None => return Err(Rejection::invalid_request("Missing subject_token_type")),
        Some(JWT_TOKEN_TYPE) => {}
        Some(other) => {
            return Err(Rejection::invalid_request(format!(
                "Unsupported subject_token_type '{other}' (expected {JWT_TOKEN_TYPE})"
            )));
        }
    }
    let subject_token = param("subject_token")?
        .filter(|token| !token.is_empty())
        .ok_or_else(|| Rejection::invalid_request("Missing subject_token"))?;
    let client_id = param("client_id")?.filter(|id| !id.is_empty());
    let scope = param("scope")?
        .filter(|scope| !scope.is_empty())
        .unwrap_or(DEFAULT_SCOPE);

    let (policies, settings) = {
        let state = shared.lock();
        let policies: Vec<Policy> = state
            .policies
            .iter()
            .filter(|policy| policy.client_id.as_deref() == client_id)
            .cloned()
            .collect();
        (policies, state.settings.clone())
    };
    if policies.is_empty() {
        return Err(match client_id {
            Some(client_id) => Rejection {
                status: StatusCode::UNAUTHORIZED,
                error: "invalid_client",
                description: format!(
                    "Client '{client_id}' is not a service principal with federation policies"
                ),
            },
            None => Rejection::invalid_grant(
                "No account-wide federation policy is configured \
                 (service principal federation needs client_id)",
            ),
        });
    }

    let claims =
        idp::verify_signature(shared.keys, subject_token).map_err(Rejection::invalid_grant)?;
    let now = clock::now_secs();
    check_validity_window(&claims, now).map_err(Rejection::invalid_grant)?;
    let subject = policy::match_policies(&policies, &claims, &shared.account_id)
        .map_err(Rejection::invalid_grant)?;

    let principal = match client_id {
        Some(client_id) => format!("sp:{client_id}"),
        None => subject,
    };
    let access_token = format!("dbfed-fake-{:032x}", fastrand::u128(..));
    let lifetime = settings.token_lifetime.as_secs();
    let expires_at = now.saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX));
    shared.lock().issued.insert(
        access_token.clone(),
        IssuedToken {
            principal,
            expires_at,
        },
    );
    let expires_in = if settings.expires_in_as_string {
        json!(lifetime.to_string())
    } else {
        json!(lifetime)
    };
    Ok(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "scope": scope,
    }))
}

/// The single value of a form parameter; a parameter sent twice is an error (RFC 6749 §3.2).
fn form_param<'a>(form: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, Rejection> {
    let mut values = form.iter().filter(|(key, _)| key == name);
    let first = values.next().map(|(_, value)| value.as_str());
    if values.next().is_some() {
        return Err(Rejection::invalid_request(format!(
            "Parameter '{name}' was sent more than once"
        )));
    }
    Ok(first)
}

/// Checks `exp` (required) and `nbf` (optional) with a little leeway.
fn check_validity_window(claims: &Map<String, Value>, now: i64) -> Result<(), String> {
    let expires_at = time_claim(claims, "exp")?.ok_or("Token has no 'exp' claim")?;
    if now > expires_at + LEEWAY_SECS {
        return Err(format!("Token expired at {}", clock::rfc3339(expires_at)));
    }
    match time_claim(claims, "nbf")? {
        Some(not_before) if not_before - LEEWAY_SECS > now => Err(format!(
            "Token is not valid before {}",
            clock::rfc3339(not_before)
        )),
        _ => Ok(()),
    }
}

/// A NumericDate claim in whole seconds.
fn time_claim(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, String> {
    let Some(value) = claims.get(name) else {
        return Ok(None);
    };
    value
        .as_i64()
        .or_else(|| value.as_f64().map(|secs| secs as i64))
        .map(Some)
        .ok_or_else(|| format!("Token claim '{name}' is not a number"))
}
