//! The RFC 8693 token exchange: the form sent, the answer read, and server errors in words.

use std::future::Future;
use std::time::{Duration, Instant};

use serde::Deserialize;
use url::Url;

use crate::error::{Error, Rejection, Result};
use crate::http::{HttpClient, HttpResponse, display_url};
use crate::retry::RetryPolicy;
use crate::time;
use crate::token::{AccessToken, SubjectToken};

/// `grant_type` of a token exchange (RFC 8693 §2.1).
pub const GRANT_TYPE_TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// `subject_token_type` of a JWT (RFC 8693 §3).
pub const TOKEN_TYPE_JWT: &str = "urn:ietf:params:oauth:token-type:jwt";

/// The lifetime assumed when a server omits `expires_in` and the subject JWT has no `exp`.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// The shortest `expires_in` accepted: a token that lasts less cannot be used before it expires.
const MIN_EXPIRES_IN: Duration = Duration::from_secs(1);

/// One token exchange to perform.
pub(crate) struct ExchangeRequest<'a> {
    pub token_endpoint: &'a Url,
    pub subject_token: &'a SubjectToken,
    pub scope: &'a str,
    /// The service principal's application id (workload identity federation); `None` for
    /// account-wide federation.
    pub client_id: Option<&'a str>,
}

/// Exchanges the subject JWT for a Databricks token, retrying what is retryable.
pub(crate) async fn exchange(
    http: &HttpClient,
    retry: &RetryPolicy,
    request: &ExchangeRequest<'_>,
) -> Result<AccessToken> {
    let mut form = vec![
        ("grant_type", GRANT_TYPE_TOKEN_EXCHANGE),
        ("subject_token", request.subject_token.jwt()),
        ("subject_token_type", TOKEN_TYPE_JWT),
        ("scope", request.scope),
    ];
    if let Some(client_id) = request.client_id {
        form.push(("client_id", client_id));
    }
    let fallback_lifetime = request
        .subject_token
        .claims()
        .and_then(|claims| claims.expires_at())
        .map(time::until)
        .filter(|left| !left.is_zero())
        .unwrap_or(DEFAULT_LIFETIME);
    post_token_request(
        http,
        retry,
        "token exchange",
        request.token_endpoint,
        &form,
        fallback_lifetime,
    )
    .await
}

/// POSTs a token request form, retrying what is retryable, and reads the token response
/// (`fallback_lifetime` when it has no `expires_in`).
pub(crate) async fn post_token_request(
    http: &HttpClient,
    retry: &RetryPolicy,
    what: &str,
    url: &Url,
    form: &[(&str, &str)],
    fallback_lifetime: Duration,
) -> Result<AccessToken> {
    let endpoint = display_url(url);
    let (sent_at, response) =
        send_with_retries(retry, what, &endpoint, || http.post_form(url, form, &[])).await?;
    parse_token_response(&endpoint, &response, sent_at, fallback_lifetime)
}

/// Sends a request to `endpoint` (as shown in messages) with retries until it succeeds; a
/// final refusal is [`rejection`] of the server's answer. Returns when the successful attempt
/// was sent, and its response.
pub(crate) async fn send_with_retries<F, Fut>(
    retry: &RetryPolicy,
    what: &str,
    endpoint: &str,
    mut send: F,
) -> Result<(Instant, HttpResponse)>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<HttpResponse>>,
{
    retry
        .run(what, || {
            let sent_at = Instant::now();
            let response = send();
            async move {
                let response = response.await?;
                tracing::debug!(endpoint, status = response.status, "{what} answered");
                if response.is_success() {
                    Ok((sent_at, response))
                } else {
                    Err(rejection(endpoint, &response))
                }
            }
        })
        .await
}

/// A successful token response (RFC 6749 §5.1), lenient where servers differ.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<NumberOrString>,
    scope: Option<String>,
    /// When the token expires, in seconds since the epoch (Entra and IMDS send it).
    expires_on: Option<NumberOrString>,
    #[serde(flatten)]
    error: ErrorBody,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrString {
    Number(f64),
    String(String),
}

/// The three error shapes seen from Databricks and its gateways, read as one, plus what
/// Microsoft Entra adds to the RFC 6749 shape (`error_codes`, `correlation_id`, `trace_id`).
#[derive(Default, Deserialize)]
struct ErrorBody {
    error: Option<serde_json::Value>,
    error_description: Option<String>,
    #[serde(rename = "errorCode")]
    error_code_camel: Option<String>,
    #[serde(rename = "errorSummary")]
    error_summary: Option<String>,
    error_code: Option<String>,
    message: Option<String>,
    #[serde(default)]
    error_codes: Vec<serde_json::Value>,
    correlation_id: Option<String>,
    trace_id: Option<String>,
}

impl ErrorBody {
    /// `(code, description)`, preferring the RFC 6749 fields; Entra's numeric codes are added
    /// as `AADSTS…` when the description does not already name them.
    fn code_and_description(&self) -> (Option<String>, Option<String>) {
        let error = match &self.error {
            Some(serde_json::Value::String(code)) => Some(code.clone()),
            Some(serde_json::Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        };
        let code = error
            .or_else(|| self.error_code_camel.clone())
            .or_else(|| self.error_code.clone());
        let mut description = self
            .error_description
            .clone()
            .or_else(|| self.error_summary.clone())
            .or_else(|| self.message.clone());
        let unnamed: Vec<String> = self
            .error_codes
            .iter()
            .map(|code| {
                format!(
                    "AADSTS{}",
                    code.as_str().map_or(code.to_string(), str::to_owned)
                )
            })
            .filter(|code| {
                !description
                    .as_deref()
                    .is_some_and(|text| text.contains(code.as_str()))
            })
            .collect();
        if !unnamed.is_empty() {
            let codes = unnamed.join(", ");
            description = Some(match description {
                Some(text) => format!("{text} ({codes})"),
                None => codes,
            });
        }
        (code, description)
    }

    /// [`Self::code_and_description`], fit to quote (what dbfed sent masked, controls dropped).
    fn quoted_code_and_description(
        &self,
        response: &HttpResponse,
    ) -> (Option<String>, Option<String>) {
        let (code, description) = self.code_and_description();
        let quote = |text: String| response.quoted(&text);
        (code.map(quote), description.map(quote))
    }

    /// The id to quote to the server's support: Entra's `correlation_id`, else the response's
    /// request-id header, else Entra's `trace_id`.
    fn request_id(&self, response: &HttpResponse) -> Option<String> {
        self.correlation_id
            .clone()
            .or_else(|| response.request_id())
            .or_else(|| self.trace_id.clone())
            .map(|id| response.quoted(&id))
    }
}

/// Turns a non-success answer into [`Error::Rejected`] with the server's own words.
pub(crate) fn rejection(endpoint: &str, response: &HttpResponse) -> Error {
    let body: ErrorBody = serde_json::from_slice(&response.body).unwrap_or_default();
    let (error, mut description) = body.quoted_code_and_description(response);
    let request_id = body.request_id(response);
    if error.is_none() && description.is_none() {
        description = plain_text_excerpt(response);
    }
    if (300..400).contains(&response.status) {
        description =
            Some("the server answered with a redirect, which dbfed does not follow".into());
    }
    Error::Rejected(Rejection {
        status: response.status,
        endpoint: endpoint.to_owned(),
        error,
        description,
        request_id,
        retry_after: response.retry_after(),
    })
}

/// How much of a non-JSON error body a message quotes.
const PLAIN_TEXT_EXCERPT_CHARS: usize = 200;

/// The start of a non-JSON error body, for a message (gateways answer with HTML or text).
fn plain_text_excerpt(response: &HttpResponse) -> Option<String> {
    if response.is_json() {
        return None;
    }
    let text = String::from_utf8_lossy(&response.body);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return None;
    }
    // Masked whole first, so that a cut cannot leave part of a secret unmasked.
    let shown = response.quoted(&text);
    let excerpt: String = shown.chars().take(PLAIN_TEXT_EXCERPT_CHARS).collect();
    Some(if excerpt.len() < shown.len() {
        format!("{excerpt}…")
    } else {
        excerpt
    })
}

/// Reads a successful token response (RFC 6749 §5.1; Entra's and IMDS's string numbers too).
pub(crate) fn parse_token_response(
    endpoint: &str,
    response: &HttpResponse,
    sent_at: Instant,
    fallback_lifetime: Duration,
) -> Result<AccessToken> {
    let malformed = |reason: String| Error::Malformed {
        endpoint: endpoint.to_owned(),
        status: response.status,
        reason,
    };
    let parsed: TokenResponse = serde_json::from_slice(&response.body).map_err(|err| {
        malformed(format!(
            "token response is not valid JSON: {}",
            response.quoted(&err.to_string())
        ))
    })?;
    let Some(access_token) = parsed.access_token.filter(|token| !token.is_empty()) else {
        let (error, description) = parsed.error.quoted_code_and_description(response);
        if error.is_some() || description.is_some() {
            return Err(Error::Rejected(Rejection {
                status: response.status,
                endpoint: endpoint.to_owned(),
                error,
                description,
                request_id: parsed.error.request_id(response),
                retry_after: None,
            }));
        }
        return Err(malformed("token response has no access_token".into()));
    };
    let number = |name: &str, value: &NumberOrString| match value {
        NumberOrString::Number(number) => Ok(*number),
        NumberOrString::String(text) => text.trim().parse::<f64>().map_err(|_| {
            malformed(format!(
                "{name} {:?} is not a number",
                response.quoted(text)
            ))
        }),
    };
    if !is_header_safe(&access_token) {
        return Err(malformed(
            "access_token holds characters an Authorization header cannot carry (spaces or controls)"
                .into(),
        ));
    }
    let token_type = parsed.token_type.unwrap_or_else(|| "Bearer".into());
    if !is_header_safe(&token_type) {
        return Err(malformed(format!(
            "token_type {:?} is not a single word an Authorization header can carry",
            response.quoted(&token_type)
        )));
    }
    let lifetime = match (&parsed.expires_in, &parsed.expires_on) {
        (Some(expires_in), _) => {
            let seconds = number("expires_in", expires_in)?;
            let expires_in = time::positive_seconds(seconds)
                .ok_or_else(|| malformed(format!("expires_in {seconds} is not a duration")))?;
            if expires_in < MIN_EXPIRES_IN {
                return Err(malformed(format!(
                    "expires_in {seconds} is shorter than the {MIN_EXPIRES_IN:?} a token must last to be used"
                )));
            }
            without_rounding(expires_in)
        }
        (None, Some(expires_on)) => {
            let at = number("expires_on", expires_on)?;
            // An absolute time: counted from when the request was sent, it ends at `at`.
            time::positive_seconds(at - time::unix_now_seconds())
                .filter(|left| *left >= MIN_EXPIRES_IN)
                .map(|left| time::capped(left.saturating_add(sent_at.elapsed())))
                .ok_or_else(|| {
                    malformed(format!(
                        "expires_on {at} is not at least {MIN_EXPIRES_IN:?} in the future"
                    ))
                })?
        }
        (None, None) => fallback_lifetime,
    };
    Ok(AccessToken::valid_from(
        access_token,
        token_type,
        sent_at,
        lifetime,
        parsed.scope,
    ))
}

/// Whether `value` is one run of visible ASCII, as an `Authorization` header's scheme and
/// credentials must be (RFC 6750 §2.1 allows fewer characters still).
fn is_header_safe(value: &str) -> bool {
    value.bytes().all(|byte| byte.is_ascii_graphic())
}

/// Servers compute expiry in whole seconds, so a token may expire up to a second before
/// "sent + expires_in": count a second less (half the lifetime for tokens of two seconds or less).
fn without_rounding(expires_in: Duration) -> Duration {
    const ROUNDING: Duration = Duration::from_secs(1);
    if expires_in > ROUNDING * 2 {
        expires_in - ROUNDING
    } else {
        expires_in / 2
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderMap;

    use std::time::SystemTime;

    use super::*;

    fn response(status: u16, body: &str) -> HttpResponse {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", "application/json".parse().unwrap());
        HttpResponse {
            status,
            headers,
            body: body.as_bytes().to_vec(),
            sent_secrets: Vec::new(),
        }
    }

    #[test]
    fn reads_all_three_error_shapes() {
        let cases = [
            (
                r#"{"error":"invalid_grant","error_description":"bad aud"}"#,
                "invalid_grant",
                "bad aud",
            ),
            (
                r#"{"errorCode":"invalid_client","errorSummary":"no such SP"}"#,
                "invalid_client",
                "no such SP",
            ),
            (
                r#"{"error_code":"TEMPORARILY_UNAVAILABLE","message":"try later"}"#,
                "TEMPORARILY_UNAVAILABLE",
                "try later",
            ),
        ];
        for (body, code, text) in cases {
            match rejection("e", &response(400, body)) {
                Error::Rejected(Rejection {
                    error, description, ..
                }) => {
                    assert_eq!(error.as_deref(), Some(code));
                    assert_eq!(description.as_deref(), Some(text));
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn expires_in_may_be_a_number_or_a_string() {
        let fallback = Duration::from_secs(1);
        for body in [
            r#"{"access_token":"t","token_type":"bearer","expires_in":3600}"#,
            r#"{"access_token":"t","token_type":"Bearer","expires_in":"3600"}"#,
        ] {
            let token =
                parse_token_response("e", &response(200, body), Instant::now(), fallback).unwrap();
            assert_eq!(
                token.lifetime(),
                Duration::from_secs(3599),
                "a second less for rounding"
            );
            assert_eq!(token.token_type(), "Bearer");
        }
        let missing = parse_token_response(
            "e",
            &response(200, r#"{"access_token":"t"}"#),
            Instant::now(),
            fallback,
        );
        assert_eq!(missing.unwrap().lifetime(), fallback);
        let bad = parse_token_response(
            "e",
            &response(200, r#"{"access_token":"t","expires_in":"soon"}"#),
            Instant::now(),
            fallback,
        );
        assert!(matches!(bad, Err(Error::Malformed { .. })));
        let empty = parse_token_response(
            "e",
            &response(200, r#"{"token_type":"Bearer"}"#),
            Instant::now(),
            fallback,
        );
        assert!(matches!(empty, Err(Error::Malformed { .. })));
        assert_eq!(
            without_rounding(Duration::from_secs(2)),
            Duration::from_secs(1)
        );
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let only_expires_on = format!(r#"{{"access_token":"t","expires_on":"{}"}}"#, now + 600);
        let token = parse_token_response(
            "e",
            &response(200, &only_expires_on),
            Instant::now(),
            fallback,
        )
        .unwrap();
        assert!((598..=600).contains(&token.lifetime().as_secs()));
    }

    #[test]
    fn reads_entra_errors_with_codes_and_correlation_id() {
        let body = r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215],"trace_id":"t-1","correlation_id":"c-1"}"#;
        match rejection("e", &response(401, body)) {
            Error::Rejected(Rejection {
                error,
                description,
                request_id,
                ..
            }) => {
                assert_eq!(error.as_deref(), Some("invalid_client"));
                assert_eq!(
                    description.as_deref(),
                    Some("AADSTS7000215: Invalid client secret provided.")
                );
                assert_eq!(request_id.as_deref(), Some("c-1"));
            }
            other => panic!("{other:?}"),
        }
        let codes_only = r#"{"error":"invalid_grant","error_codes":[50013, 500133]}"#;
        match rejection("e", &response(400, codes_only)) {
            Error::Rejected(Rejection { description, .. }) => {
                assert_eq!(description.as_deref(), Some("AADSTS50013, AADSTS500133"));
            }
            other => panic!("{other:?}"),
        }
    }
}
