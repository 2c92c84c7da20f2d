//! Token-response and error-body parsing, as the exchange reads a token endpoint's answer.
//! Input: optional header lines (`Name: value`), a blank line, then the body; with no blank line
//! the whole input is the body. The request "sent" a JWT and a client secret: no error may show
//! either, nor a token with characters an Authorization header cannot carry come back.
#![no_main]

use dbfed::fuzzing;
use libfuzzer_sys::fuzz_target;

const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmFjbWUifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
const CLIENT_SECRET: &str = "s3cr3t-client-secret";
const SIGNATURE: &str = "c2lnbmF0dXJlLXNpZ25hdHVyZQ";

fuzz_target!(|data: &[u8]| {
    let (head, body) = match data.windows(2).position(|pair| pair == b"\n\n") {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (&b""[..], data),
    };
    let head = String::from_utf8_lossy(head);
    let mut headers: Vec<(&str, &str)> = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim(), value.trim()))
        .collect();
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-type"))
    {
        headers.push(("content-type", "application/json"));
    }
    let form = [
        (
            "grant_type",
            "urn:ietf:params:oauth:grant-type:token-exchange",
        ),
        ("subject_token", JWT),
        ("client_secret", CLIENT_SECRET),
    ];
    let shown_safe = |shown: &str| {
        for secret in [JWT, CLIENT_SECRET, SIGNATURE] {
            assert!(
                !shown.contains(secret),
                "a secret sent was shown: {shown:?}"
            );
        }
    };
    match fuzzing::token_response(200, &headers, body, &form) {
        Ok(token) => {
            assert!(!token.token().is_empty());
            for value in [token.token(), token.token_type()] {
                assert!(value.bytes().all(|b| b.is_ascii_graphic()), "{value:?}");
            }
            let _ = (token.expires_at(), token.remaining(), token.is_expired());
            shown_safe(&format!("{token:?}"));
        }
        Err(err) => {
            shown_safe(&err.to_string());
            shown_safe(&format!("{err:?}"));
        }
    }
    for status in [302, 400, 401, 429, 503] {
        let err = fuzzing::rejection(status, &headers, body, &form);
        shown_safe(&err.to_string());
        shown_safe(&format!("{err:?}"));
        let _ = (err.kind(), err.status(), err.is_retryable());
    }
});
