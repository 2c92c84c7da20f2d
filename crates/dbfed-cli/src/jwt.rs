//! Reading a JWT for display: header and claims, never the signature.

use std::time::SystemTime;

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
        // The core's reading of `exp`: held between the epoch and 9999-12-31, fractions dropped.
        let claims = serde_json::from_value::<dbfed::JwtClaims>(Value::Object(self.claims.clone()));
        let Some(at) = claims.ok().and_then(|claims| claims.expires_at()) else {
            return "no exp claim".into();
        };
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn with_exp(exp: Value) -> DecodedJwt {
        let mut claims = Map::new();
        claims.insert("exp".into(), exp);
        DecodedJwt {
            header: Map::new(),
            claims,
        }
    }

    #[test]
    fn an_exp_at_any_extreme_is_shown_in_words() {
        for (exp, shown) in [
            (json!(u64::MAX), "9999-12-31T23:59:59Z (in "),
            (json!(1u64 << 63), "9999-12-31T23:59:59Z (in "),
            (json!(253_402_300_800u64), "9999-12-31T23:59:59Z (in "),
            (json!(1e300), "9999-12-31T23:59:59Z (in "),
            (json!(-1), "1970-01-01T00:00:00Z (expired "),
            (json!(1_700_000_000.5), "2023-11-14T22:13:20Z (expired "),
            (json!("soon"), "no exp claim"),
        ] {
            let expiry = with_exp(exp.clone()).expiry();
            assert!(expiry.starts_with(shown), "exp {exp}: {expiry}");
        }
    }
}
