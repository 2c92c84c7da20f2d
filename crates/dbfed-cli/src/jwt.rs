//! Reading a JWT for display: header and claims, never the signature.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::Failure;

/// A JWT's decoded header and claims.
pub struct DecodedJwt {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
}

/// Decodes `jwt` without verifying it.
pub fn decode(jwt: &str) -> Result<DecodedJwt, Failure> {
    let mut parts = jwt.trim().split('.');
    let (Some(header), Some(claims), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Failure::config(
            "not a JWT: expected three dot-separated parts",
        ));
    };
    Ok(DecodedJwt {
        header: part(header, "header")?,
        claims: part(claims, "claims")?,
    })
}

fn part(encoded: &str, what: &str) -> Result<Map<String, Value>, Failure> {
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded.trim_end_matches('='))
        .map_err(|err| Failure::config(format!("not a JWT: the {what} is not base64url: {err}")))?;
    serde_json::from_slice(&bytes).map_err(|err| {
        Failure::config(format!("not a JWT: the {what} is not a JSON object: {err}"))
    })
}

impl DecodedJwt {
    /// `exp` in words: when, and how long from now.
    pub fn expiry(&self) -> String {
        let Some(exp) = self.claims.get("exp").and_then(Value::as_u64) else {
            return "no exp claim".into();
        };
        let at = UNIX_EPOCH + Duration::from_secs(exp);
        let when = fmt_time(at);
        match at.duration_since(SystemTime::now()) {
            Ok(left) => format!("{when} (in {}s)", left.as_secs()),
            Err(ago) => format!("{when} (expired {}s ago)", ago.duration().as_secs()),
        }
    }
}

/// A time in RFC 3339, UTC, to the second.
pub fn fmt_time(at: SystemTime) -> String {
    humantime::format_rfc3339_seconds(at).to_string()
}
