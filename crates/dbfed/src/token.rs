//! Token values: a redacting [`Secret`], the Databricks [`AccessToken`] and the IdP's [`SubjectToken`].

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde::Deserialize;

use crate::time;

/// A string that never shows itself in `Debug` output; read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<Arc<str>>) -> Self {
        Secret(value.into())
    }

    /// The secret value itself; keep it out of logs.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

/// A Databricks OAuth access token, cheap to clone; `Debug` and `Display` never show the token.
#[derive(Clone)]
pub struct AccessToken(Arc<AccessTokenInner>);

struct AccessTokenInner {
    token: Secret,
    token_type: String,
    scope: Option<String>,
    expires_at: SystemTime,
    obtained_at: Instant,
    lifetime: Duration,
}

impl AccessToken {
    /// A token valid for `lifetime` from now (at most ten years: longer is held to that).
    pub fn new(
        token: impl Into<Secret>,
        token_type: impl Into<String>,
        lifetime: Duration,
        scope: Option<String>,
    ) -> Self {
        Self::valid_from(token, token_type, Instant::now(), lifetime, scope)
    }

    /// A token valid for `lifetime` counted from `start` (e.g. when its request was sent).
    pub(crate) fn valid_from(
        token: impl Into<Secret>,
        token_type: impl Into<String>,
        start: Instant,
        lifetime: Duration,
        scope: Option<String>,
    ) -> Self {
        let token_type = token_type.into();
        // RFC 6750 spells the scheme "Bearer"; some servers answer "bearer".
        let token_type = if token_type.eq_ignore_ascii_case("bearer") {
            "Bearer".to_owned()
        } else {
            token_type
        };
        let lifetime = time::capped(lifetime);
        let expires_at = time::wall_after(
            SystemTime::now()
                .checked_sub(start.elapsed())
                .unwrap_or(SystemTime::UNIX_EPOCH),
            lifetime,
        );
        AccessToken(Arc::new(AccessTokenInner {
            token: token.into(),
            token_type,
            scope,
            expires_at,
            obtained_at: start,
            lifetime,
        }))
    }

    /// The token itself, for an `Authorization` header; keep it out of logs.
    pub fn token(&self) -> &str {
        self.0.token.expose()
    }

    /// The token type, normally `Bearer`.
    pub fn token_type(&self) -> &str {
        &self.0.token_type
    }

    /// The scopes the server granted, when it said.
    pub fn scope(&self) -> Option<&str> {
        self.0.scope.as_deref()
    }

    /// When the token expires, by the local clock: when its request was sent plus `expires_in`,
    /// less the server's rounding to whole seconds (so immune to clock skew, never late).
    pub fn expires_at(&self) -> SystemTime {
        self.0.expires_at
    }

    /// How long the token is still valid; zero once expired.
    pub fn remaining(&self) -> Duration {
        self.0.lifetime.saturating_sub(self.0.obtained_at.elapsed())
    }

    /// Whether the token has expired.
    pub fn is_expired(&self) -> bool {
        self.remaining().is_zero()
    }

    /// The value of an `Authorization` header carrying this token: `Bearer <token>`.
    pub fn authorization_header(&self) -> String {
        format!("{} {}", self.0.token_type, self.0.token.expose())
    }

    /// Whether two handles hold the very same token (not merely equal strings).
    pub fn same_as(&self, other: &AccessToken) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    pub(crate) fn obtained_at(&self) -> Instant {
        self.0.obtained_at
    }

    pub(crate) fn lifetime(&self) -> Duration {
        self.0.lifetime
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"<redacted>")
            .field("token_type", &self.0.token_type)
            .field("scope", &self.0.scope)
            .field("expires_at", &time::http_date(self.0.expires_at))
            .finish()
    }
}

impl fmt::Display for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} token <redacted>, expires in {}s",
            self.0.token_type,
            self.remaining().as_secs()
        )
    }
}

/// A JWT from the workload's or user's identity provider, to be exchanged for a Databricks token.
#[derive(Clone, Debug)]
pub struct SubjectToken {
    jwt: Secret,
}

impl SubjectToken {
    /// Wraps a JWT (surrounding whitespace is trimmed).
    pub fn new(jwt: impl AsRef<str>) -> Self {
        SubjectToken {
            jwt: Secret::new(jwt.as_ref().trim()),
        }
    }

    /// The JWT itself; keep it out of logs.
    pub fn jwt(&self) -> &str {
        self.jwt.expose()
    }

    /// The JWT's claims, decoded without verifying the signature; `None` if it is not a JWT.
    pub fn claims(&self) -> Option<JwtClaims> {
        jsonwebtoken::dangerous::insecure_decode_claims::<JwtClaims>(self.jwt.expose()).ok()
    }
}

/// The claims of a subject JWT that matter for federation, decoded without verification.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct JwtClaims {
    /// Issuer (`iss`).
    pub iss: Option<String>,
    /// Subject (`sub`).
    pub sub: Option<String>,
    /// Audiences (`aud`, a string or a list in the JWT).
    #[serde(default, deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
    /// Expiry, whole seconds since the epoch (`exp`), from 0 to 9999-12-31T23:59:59Z: earlier
    /// or later values are held to those bounds, fractions dropped.
    #[serde(default, deserialize_with = "numeric_date")]
    pub exp: Option<u64>,
    /// Not before, whole seconds since the epoch (`nbf`), held to the same bounds as `exp`.
    #[serde(default, deserialize_with = "numeric_date")]
    pub nbf: Option<u64>,
}

impl JwtClaims {
    /// When the JWT expires, if it says.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.exp.map(time::from_unix_seconds)
    }
}

/// A NumericDate claim; a value that is not a number reads as absent.
fn numeric_date<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    Ok(time::numeric_date(&serde_json::Value::deserialize(
        deserializer,
    )?))
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(deserializer)? {
        None => Vec::new(),
        Some(OneOrMany::One(one)) => vec![one],
        Some(OneOrMany::Many(many)) => many,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_token() {
        let token = AccessToken::new("dapi-secret-value", "bearer", Duration::from_secs(60), None);
        for shown in [
            format!("{token:?}"),
            format!("{token}"),
            format!("{:?}", Secret::from("s3cr3t")),
        ] {
            assert!(
                !shown.contains("dapi-secret-value") && !shown.contains("s3cr3t"),
                "{shown}"
            );
        }
        assert_eq!(token.authorization_header(), "Bearer dapi-secret-value");
    }

    #[test]
    fn a_lifetime_of_any_length_is_held_to_ten_years() {
        let token = AccessToken::new("t", "Bearer", Duration::MAX, None);
        assert_eq!(token.lifetime(), time::MAX_SPAN);
        assert!(token.expires_at() <= time::far_future());
        assert!(format!("{token:?}").contains("expires_at"));
        assert!(!token.is_expired());
    }

    #[test]
    fn claims_accept_a_string_or_a_list_audience() {
        use base64::Engine as _;
        let encode = |json: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
        let jwt =
            |payload: &str| format!("{}.{}.sig", encode(r#"{"alg":"RS256"}"#), encode(payload));
        let one = SubjectToken::new(jwt(r#"{"iss":"i","aud":"a","exp":5}"#))
            .claims()
            .unwrap();
        assert_eq!(one.aud, vec!["a"]);
        assert_eq!(one.exp, Some(5));
        let many = SubjectToken::new(jwt(r#"{"aud":["a","b"]}"#))
            .claims()
            .unwrap();
        assert_eq!(many.aud, vec!["a", "b"]);
        assert!(SubjectToken::new("not-a-jwt").claims().is_none());
    }
}
