//! Cheap local checks of a user's JWT before any request is made for it: it is not oversized,
//! it parses, it has not expired, and (when configured) its issuer and audience are expected.

use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};
use crate::source::MAX_JWT_BYTES;
use crate::time;
use crate::token::SubjectToken;

/// The `source_name` of errors about a user's JWT.
const SOURCE_NAME: &str = "user-jwt";

/// The longest claim value quoted in a message (claims of a refused JWT are untrusted input).
const MAX_QUOTED_CHARS: usize = 100;

/// What a user's JWT must satisfy before it is exchanged.
#[derive(Clone, Debug, Default)]
pub(crate) struct JwtChecks {
    /// Accepted `iss` values; empty accepts any.
    pub issuers: Vec<String>,
    /// Accepted `aud` values (one must be present); empty accepts any.
    pub audiences: Vec<String>,
    /// How long past its `exp` a JWT is still accepted.
    pub leeway: Duration,
}

/// A user's JWT that passed the checks.
pub(crate) struct CheckedJwt {
    pub subject: SubjectToken,
    /// The JWT's `exp`.
    pub expires_at: SystemTime,
    /// When the JWT stops being accepted (`exp` plus the leeway).
    pub valid_until: SystemTime,
}

impl JwtChecks {
    /// Checks `jwt` without verifying its signature (the token endpoint does that).
    pub fn check(&self, jwt: &str) -> Result<CheckedJwt> {
        if jwt.len() > MAX_JWT_BYTES {
            return Err(refused(format!(
                "the user's token is {} bytes long, more than the {MAX_JWT_BYTES} accepted",
                jwt.len()
            )));
        }
        let subject = SubjectToken::new(jwt);
        let claims = subject.claims().ok_or_else(|| {
            refused("the user's token is not a JWT (three base64url parts with a JSON payload)")
        })?;
        let expires_at = claims
            .expires_at()
            .ok_or_else(|| refused("the user's JWT has no `exp` claim"))?;
        let valid_until = time::wall_after(expires_at, self.leeway);
        if valid_until <= SystemTime::now() {
            return Err(expired(expires_at));
        }
        let issuer = claims.iss.as_deref().unwrap_or_default();
        if !self.issuers.is_empty() && !self.issuers.iter().any(|expected| expected == issuer) {
            return Err(refused(format!(
                "the user's JWT issuer {:?} is not an expected one ({:?})",
                quoted(issuer),
                self.issuers
            )));
        }
        if !self.audiences.is_empty()
            && !claims
                .aud
                .iter()
                .any(|audience| self.audiences.contains(audience))
        {
            let audiences: Vec<String> = claims.aud.iter().map(|aud| quoted(aud)).collect();
            return Err(refused(format!(
                "the user's JWT audience {audiences:?} has none of the expected {:?}",
                self.audiences
            )));
        }
        Ok(CheckedJwt {
            subject,
            expires_at,
            valid_until,
        })
    }
}

/// The error for a user's JWT that expired at `expires_at`.
pub(crate) fn expired(expires_at: SystemTime) -> Error {
    refused(format!(
        "the user's JWT expired at {}; the user must sign in again or present a fresh token",
        time::http_date(expires_at)
    ))
}

fn refused(message: impl Into<String>) -> Error {
    Error::source(SOURCE_NAME, message)
}

/// An untrusted claim value, cut short for a message.
fn quoted(value: &str) -> String {
    let mut shown: String = value.chars().take(MAX_QUOTED_CHARS).collect();
    if shown.len() < value.len() {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::*;

    fn jwt(payload: &str) -> String {
        let encode = |json: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
        format!("{}.{}.sig", encode(r#"{"alg":"RS256"}"#), encode(payload))
    }

    fn in_an_hour() -> u64 {
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 3600
    }

    #[test]
    fn refuses_garbage_expired_and_unexpected_jwts() {
        let checks = JwtChecks {
            issuers: vec!["https://idp".into()],
            audiences: vec!["dbx".into()],
            leeway: Duration::ZERO,
        };
        let exp = in_an_hour();
        let good = jwt(&format!(
            r#"{{"iss":"https://idp","aud":["x","dbx"],"exp":{exp}}}"#
        ));
        assert!(checks.check(&good).is_ok());
        let cases = [
            ("garbage".to_owned(), "not a JWT"),
            ("x".repeat(MAX_JWT_BYTES + 1), "bytes long"),
            (jwt(r#"{"iss":"https://idp","aud":"dbx"}"#), "no `exp`"),
            (
                jwt(r#"{"iss":"https://idp","aud":"dbx","exp":1000}"#),
                "expired at",
            ),
            (
                jwt(&format!(
                    r#"{{"iss":"https://evil","aud":"dbx","exp":{exp}}}"#
                )),
                "issuer \"https://evil\"",
            ),
            (
                jwt(&format!(
                    r#"{{"iss":"https://idp","aud":"other","exp":{exp}}}"#
                )),
                "audience [\"other\"]",
            ),
        ];
        for (token, expected) in cases {
            let err = checks.check(&token).err().expect("refused");
            assert!(matches!(err, Error::Source { .. }), "{err:?}");
            assert!(err.to_string().contains(expected), "{err}");
            assert!(!err.to_string().contains(&token), "the token leaked: {err}");
        }
    }

    #[test]
    fn the_leeway_extends_validity() {
        let recently = in_an_hour() - 3600 - 5;
        let token = jwt(&format!(r#"{{"exp":{recently}}}"#));
        assert!(JwtChecks::default().check(&token).is_err());
        let lenient = JwtChecks {
            leeway: Duration::from_secs(60),
            ..JwtChecks::default()
        };
        assert!(lenient.check(&token).is_ok());
    }
}
