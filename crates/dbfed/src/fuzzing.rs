//! Entry points to dbfed's internal parsers for the fuzz targets in `fuzz/` (feature `fuzzing`,
//! off by default; not a stable API). Each only converts its arguments and calls the parser.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::error::{Error, Result};
use crate::http::HttpResponse;
use crate::token::{AccessToken, Secret, SubjectToken};

/// The most characters of outside text [`quoted`] keeps (one more, `…`, marks a cut).
pub const MAX_QUOTED_CHARS: usize = crate::server_text::MAX_QUOTED_CHARS;

/// The lifetime a token response without `expires_in` gets in these entry points.
const FALLBACK_LIFETIME: Duration = Duration::from_secs(3600);

/// An HTTP answer as the exchange sees it: headers that are not valid HTTP are left out, and
/// the secret fields of `form` (what the request sent) are what the answer must not echo.
fn response(
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
    form: &[(&str, &str)],
) -> HttpResponse {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            map.append(name, value);
        }
    }
    HttpResponse {
        status,
        headers: map,
        body: body.to_vec(),
        sent_secrets: crate::server_text::secrets_sent(form, &[]),
    }
}

/// The exchange's reading of a token endpoint's successful answer.
pub fn token_response(
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
    form: &[(&str, &str)],
) -> Result<AccessToken> {
    let response = response(status, headers, body, form);
    crate::exchange::parse_token_response(
        "https://fuzz.invalid/token",
        &response,
        Instant::now(),
        FALLBACK_LIFETIME,
    )
}

/// The exchange's reading of a refusal (an error body and its headers).
pub fn rejection(
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
    form: &[(&str, &str)],
) -> Error {
    let response = response(status, headers, body, form);
    crate::exchange::rejection("https://fuzz.invalid/token", &response)
}

/// Endpoint discovery's reading of a host-metadata body and an RFC 8414 document: the
/// discovery URL the metadata names (if any), then the document's token endpoint.
pub fn discovery(host_metadata: &[u8], document: &[u8]) -> Result<String> {
    if let Ok(metadata) = crate::endpoints::parse_host_metadata(host_metadata)
        && let Some(oidc) = &metadata.oidc_endpoint
    {
        let account_id = metadata
            .account_id
            .as_deref()
            .filter(|id| crate::endpoints::is_account_id(id));
        crate::endpoints::oidc_discovery_url(oidc, account_id)?;
    }
    crate::endpoints::token_endpoint_from("https://fuzz.invalid/discovery", 200, document)
        .map(String::from)
}

/// The Command source's reading of a program's standard output.
pub fn command_output(stdout: &str) -> Result<SubjectToken> {
    crate::source::parse_output(stdout)
}

/// The secrets a request with this form and these headers carries, in every spelling masked.
pub fn secrets_sent(form: &[(&str, &str)], headers: &[(&str, &str)]) -> Vec<String> {
    crate::server_text::secrets_sent(form, headers)
        .iter()
        .map(|secret| secret.expose().to_owned())
        .collect()
}

/// Outside text made fit to quote, with `sent` masked.
pub fn quoted(text: &str, sent: &[&str]) -> String {
    let sent: Vec<Secret> = sent.iter().map(|secret| Secret::new(*secret)).collect();
    crate::server_text::quoted(text, &sent)
}
