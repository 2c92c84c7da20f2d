//! Why Databricks would refuse a JWT: the JWT's claims (decoded without verification) compared
//! with a federation policy, every mismatch in plain words.

use std::fmt;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::credential::Credential;
use crate::error::Result;
use crate::options::{Description, Shown};
use crate::time;

/// The signing algorithms Databricks accepts for subject tokens.
pub const ACCEPTED_ALGORITHMS: [&str; 2] = ["RS256", "ES256"];

/// How much clock skew `exp` / `nbf` checks allow.
const CLOCK_SKEW: Duration = Duration::from_secs(30);

/// A Databricks federation policy's OIDC part (`oidc_policy`), as an admin configured it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct FederationPolicy {
    /// The required `iss`.
    pub issuer: String,
    /// Accepted audiences; empty means the Databricks account id (the server's default).
    pub audiences: Vec<String>,
    /// The required subject (service-principal policies); `None` for account-wide policies.
    pub subject: Option<String>,
    /// The claim holding the subject (default `sub`).
    pub subject_claim: Option<String>,
}

impl FederationPolicy {
    /// What a policy shows of itself: its issuer, and the audiences and subject it sets.
    pub fn describe(&self) -> Description {
        let mut description = Description::new("FederationPolicy")
            .positional("issuer", Shown::Text(self.issuer.clone()));
        if !self.audiences.is_empty() {
            description = description.field("audiences", Shown::List(self.audiences.clone()));
        }
        description
            .text("subject", self.subject.as_deref())
            .text("subject_claim", self.subject_claim.as_deref())
    }

    /// A policy for `issuer`.
    pub fn new(issuer: impl Into<String>) -> Self {
        FederationPolicy {
            issuer: issuer.into(),
            ..Self::default()
        }
    }

    /// Sets the accepted audiences.
    pub fn audiences<I, S>(mut self, audiences: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.audiences = audiences.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the required subject.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Sets the claim that holds the subject.
    pub fn subject_claim(mut self, claim: impl Into<String>) -> Self {
        self.subject_claim = Some(claim.into());
        self
    }

    fn subject_claim_name(&self) -> &str {
        self.subject_claim.as_deref().unwrap_or("sub")
    }
}

/// One reason a JWT would not match a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mismatch {
    /// The text is not a JWT at all.
    NotAJwt {
        /// What is wrong with it.
        reason: String,
    },
    /// The JWT is signed with an algorithm Databricks does not accept.
    UnsupportedAlgorithm {
        /// The JWT's `alg`.
        algorithm: String,
    },
    /// `iss` differs from the policy's issuer.
    WrongIssuer {
        /// The JWT's `iss`, if any.
        actual: Option<String>,
        /// The policy's issuer.
        expected: String,
    },
    /// None of the JWT's audiences is accepted.
    AudienceNotAccepted {
        /// The JWT's `aud` values.
        actual: Vec<String>,
        /// The audiences the policy accepts (the account id when it lists none).
        expected: Vec<String>,
        /// The JWT's audience looks like a Databricks token endpoint URL, the SDKs' last-resort
        /// default, while the policy expects something else (usually the account id).
        token_endpoint_trap: bool,
    },
    /// The subject claim differs from the policy's subject, or is missing.
    WrongSubject {
        /// The claim compared.
        claim: String,
        /// The JWT's value, if present.
        actual: Option<String>,
        /// The policy's subject.
        expected: String,
    },
    /// An account-wide policy needs the subject claim to name the user, and it is missing.
    MissingSubjectClaim {
        /// The claim that should be present.
        claim: String,
    },
    /// The JWT has expired.
    Expired {
        /// Its `exp`.
        at: SystemTime,
    },
    /// The JWT is not valid yet.
    NotYetValid {
        /// Its `nbf`.
        from: SystemTime,
    },
}

/// The same facts for every kind, as the bindings give them.
impl Mismatch {
    /// The kind's name: `not_a_jwt`, `unsupported_algorithm`, `wrong_issuer`,
    /// `audience_not_accepted`, `wrong_subject`, `missing_subject_claim`, `expired` or
    /// `not_yet_valid`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Mismatch::NotAJwt { .. } => "not_a_jwt",
            Mismatch::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
            Mismatch::WrongIssuer { .. } => "wrong_issuer",
            Mismatch::AudienceNotAccepted { .. } => "audience_not_accepted",
            Mismatch::WrongSubject { .. } => "wrong_subject",
            Mismatch::MissingSubjectClaim { .. } => "missing_subject_claim",
            Mismatch::Expired { .. } => "expired",
            Mismatch::NotYetValid { .. } => "not_yet_valid",
        }
    }

    /// The header field or claim it is about (`alg`, `iss`, `aud`, the subject claim, `exp`,
    /// `nbf`); none for a text that is not a JWT.
    pub fn claim(&self) -> Option<&str> {
        match self {
            Mismatch::NotAJwt { .. } => None,
            Mismatch::UnsupportedAlgorithm { .. } => Some("alg"),
            Mismatch::WrongIssuer { .. } => Some("iss"),
            Mismatch::AudienceNotAccepted { .. } => Some("aud"),
            Mismatch::WrongSubject { claim, .. } | Mismatch::MissingSubjectClaim { claim } => {
                Some(claim)
            }
            Mismatch::Expired { .. } => Some("exp"),
            Mismatch::NotYetValid { .. } => Some("nbf"),
        }
    }

    /// What the JWT has there (empty when it has nothing, or the kind compares no values).
    pub fn actual(&self) -> Vec<String> {
        match self {
            Mismatch::UnsupportedAlgorithm { algorithm } => vec![algorithm.clone()],
            Mismatch::WrongIssuer { actual, .. } | Mismatch::WrongSubject { actual, .. } => {
                actual.iter().cloned().collect()
            }
            Mismatch::AudienceNotAccepted { actual, .. } => actual.clone(),
            _ => Vec::new(),
        }
    }

    /// What the policy (or Databricks) accepts there (empty when the kind compares no values).
    pub fn expected(&self) -> Vec<String> {
        match self {
            Mismatch::UnsupportedAlgorithm { .. } => {
                ACCEPTED_ALGORITHMS.map(str::to_owned).to_vec()
            }
            Mismatch::WrongIssuer { expected, .. } | Mismatch::WrongSubject { expected, .. } => {
                vec![expected.clone()]
            }
            Mismatch::AudienceNotAccepted { expected, .. } => expected.clone(),
            _ => Vec::new(),
        }
    }

    /// For an audience not accepted: whether it is the token-endpoint trap.
    pub fn token_endpoint_trap(&self) -> bool {
        matches!(
            self,
            Mismatch::AudienceNotAccepted {
                token_endpoint_trap: true,
                ..
            }
        )
    }

    /// For `expired` and `not_yet_valid`: the JWT's `exp` or `nbf`.
    pub fn at(&self) -> Option<SystemTime> {
        match self {
            Mismatch::Expired { at } => Some(*at),
            Mismatch::NotYetValid { from } => Some(*from),
            _ => None,
        }
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::NotAJwt { reason } => write!(f, "not a JWT: {reason}"),
            Mismatch::UnsupportedAlgorithm { algorithm } => write!(
                f,
                "signed with {algorithm}; Databricks accepts only RS256 and ES256"
            ),
            Mismatch::WrongIssuer { actual, expected } => write!(
                f,
                "wrong issuer: the JWT's iss is {} but the policy expects {expected:?}",
                actual
                    .as_deref()
                    .map_or("missing".to_owned(), |iss| format!("{iss:?}"))
            ),
            Mismatch::AudienceNotAccepted {
                actual,
                expected,
                token_endpoint_trap,
            } => {
                write!(
                    f,
                    "audience not accepted: the JWT's aud is {actual:?} but the policy accepts {expected:?}"
                )?;
                if *token_endpoint_trap {
                    write!(
                        f,
                        "; the JWT was requested for the token endpoint URL (the SDKs' last-resort default) \
                         — set the audience to what the policy expects, usually the account id \
                         (DATABRICKS_TOKEN_AUDIENCE or `.audience(…)`), or add that URL to the policy's audiences"
                    )?;
                }
                Ok(())
            }
            Mismatch::WrongSubject {
                claim,
                actual,
                expected,
            } => write!(
                f,
                "subject mismatch: the JWT's {claim} is {} but the policy expects {expected:?}",
                actual
                    .as_deref()
                    .map_or("missing".to_owned(), |value| format!("{value:?}"))
            ),
            Mismatch::MissingSubjectClaim { claim } => write!(
                f,
                "the JWT has no {claim} claim, which the policy uses as the Databricks user name"
            ),
            Mismatch::Expired { at } => {
                write!(f, "expired at {}", time::http_date(*at))
            }
            Mismatch::NotYetValid { from } => {
                write!(f, "not valid before {}", time::http_date(*from))
            }
        }
    }
}

/// Compares `jwt` (decoded without verifying its signature) with `policy`; `account_id` stands
/// for the policy's audiences when it lists none. Returns every mismatch; empty means the JWT
/// would match (if its signature verifies against the issuer's keys).
pub fn diagnose(jwt: &str, policy: &FederationPolicy, account_id: Option<&str>) -> Vec<Mismatch> {
    let header = match jsonwebtoken::decode_header(jwt.trim()) {
        Ok(header) => header,
        Err(err) => {
            return vec![Mismatch::NotAJwt {
                reason: err.to_string(),
            }];
        }
    };
    let claims: serde_json::Map<String, Value> =
        match jsonwebtoken::dangerous::insecure_decode_claims(jwt.trim()) {
            Ok(claims) => claims,
            Err(err) => {
                return vec![Mismatch::NotAJwt {
                    reason: format!("its claims are not JSON: {err}"),
                }];
            }
        };
    let mut mismatches = Vec::new();

    let algorithm = format!("{:?}", header.alg);
    if !ACCEPTED_ALGORITHMS.contains(&algorithm.as_str()) {
        mismatches.push(Mismatch::UnsupportedAlgorithm { algorithm });
    }

    let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
    let issuer = text("iss");
    if issuer.as_deref() != Some(policy.issuer.as_str()) {
        mismatches.push(Mismatch::WrongIssuer {
            actual: issuer,
            expected: policy.issuer.clone(),
        });
    }

    let actual_audiences: Vec<String> = match claims.get("aud") {
        Some(Value::String(aud)) => vec![aud.clone()],
        Some(Value::Array(auds)) => auds
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let expected_audiences = if policy.audiences.is_empty() {
        account_id.map(|id| vec![id.to_owned()]).unwrap_or_default()
    } else {
        policy.audiences.clone()
    };
    // With no audiences in the policy and no account id, the expected audience is unknown.
    let knowable = !expected_audiences.is_empty();
    let accepted = actual_audiences
        .iter()
        .any(|aud| expected_audiences.contains(aud));
    if knowable && !accepted {
        let token_endpoint_trap = actual_audiences
            .iter()
            .any(|aud| aud.ends_with("/oidc/v1/token") || aud.contains("/oidc/accounts/"));
        mismatches.push(Mismatch::AudienceNotAccepted {
            actual: actual_audiences,
            expected: expected_audiences,
            token_endpoint_trap,
        });
    }

    let claim = policy.subject_claim_name();
    let subject = text(claim);
    match &policy.subject {
        Some(expected) if subject.as_deref() != Some(expected.as_str()) => {
            mismatches.push(Mismatch::WrongSubject {
                claim: claim.to_owned(),
                actual: subject,
                expected: expected.clone(),
            });
        }
        None if subject.is_none() => mismatches.push(Mismatch::MissingSubjectClaim {
            claim: claim.to_owned(),
        }),
        _ => {}
    }

    let now = SystemTime::now();
    let time = |name: &str| {
        claims
            .get(name)
            .and_then(time::numeric_date)
            .map(time::from_unix_seconds)
    };
    if let Some(exp) = time("exp")
        && time::wall_after(exp, CLOCK_SKEW) < now
    {
        mismatches.push(Mismatch::Expired { at: exp });
    }
    if let Some(nbf) = time("nbf")
        && nbf > time::wall_after(now, CLOCK_SKEW)
    {
        mismatches.push(Mismatch::NotYetValid { from: nbf });
    }
    mismatches
}

impl Credential {
    /// Fetches a subject JWT from this credential's source, for its resolved audience, and
    /// compares it with `policy` (the account id, when configured, stands for a policy without
    /// audiences). Nothing is exchanged.
    pub async fn diagnose(&self, policy: &FederationPolicy) -> Result<Vec<Mismatch>> {
        let subject = self.subject_token().await?;
        Ok(diagnose(subject.jwt(), policy, self.account_id()))
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use std::time::UNIX_EPOCH;

    use super::*;

    fn jwt(alg: &str, claims: Value) -> String {
        let header = serde_json::json!({"alg": alg, "typ": "JWT"});
        format!(
            "{}.{}.c2lnbmF0dXJl",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        )
    }

    fn now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    fn good_claims() -> Value {
        serde_json::json!({
            "iss": "https://token.actions.githubusercontent.com",
            "aud": "acc-123",
            "sub": "repo:acme/etl:environment:prod",
            "exp": now() + 300,
            "nbf": now() - 10,
        })
    }

    fn sp_policy() -> FederationPolicy {
        FederationPolicy::new("https://token.actions.githubusercontent.com")
            .subject("repo:acme/etl:environment:prod")
    }

    #[test]
    fn every_kind_gives_the_same_facts_to_the_bindings() {
        let audience = Mismatch::AudienceNotAccepted {
            actual: vec!["https://x/oidc/v1/token".into()],
            expected: vec!["acc".into()],
            token_endpoint_trap: true,
        };
        assert_eq!(audience.kind_name(), "audience_not_accepted");
        assert_eq!(audience.claim(), Some("aud"));
        assert_eq!(audience.actual(), ["https://x/oidc/v1/token"]);
        assert_eq!(audience.expected(), ["acc"]);
        assert!(audience.token_endpoint_trap());
        let algorithm = Mismatch::UnsupportedAlgorithm {
            algorithm: "HS256".into(),
        };
        assert_eq!(algorithm.expected(), ACCEPTED_ALGORITHMS);
        let issuer = Mismatch::WrongIssuer {
            actual: None,
            expected: "https://idp".into(),
        };
        assert!(issuer.actual().is_empty());
        let expired = Mismatch::Expired { at: UNIX_EPOCH };
        assert_eq!(
            (expired.claim(), expired.at()),
            (Some("exp"), Some(UNIX_EPOCH))
        );
        let garbage = Mismatch::NotAJwt { reason: "x".into() };
        assert_eq!((garbage.kind_name(), garbage.claim()), ("not_a_jwt", None));
        assert!(garbage.actual().is_empty() && garbage.expected().is_empty());
    }

    #[test]
    fn a_matching_jwt_has_no_mismatch() {
        assert_eq!(
            diagnose(&jwt("RS256", good_claims()), &sp_policy(), Some("acc-123")),
            vec![]
        );
        let es = diagnose(
            &jwt("ES256", good_claims()),
            &sp_policy().audiences(["acc-123"]),
            None,
        );
        assert_eq!(es, vec![]);
    }

    #[test]
    fn a_non_jwt_is_named() {
        let found = diagnose("not-a-jwt", &sp_policy(), None);
        assert!(
            matches!(found.as_slice(), [Mismatch::NotAJwt { .. }]),
            "{found:?}"
        );
    }

    #[test]
    fn an_unsupported_algorithm_is_named() {
        let found = diagnose(&jwt("HS256", good_claims()), &sp_policy(), Some("acc-123"));
        assert_eq!(
            found,
            vec![Mismatch::UnsupportedAlgorithm {
                algorithm: "HS256".into()
            }]
        );
        assert!(found[0].to_string().contains("RS256 and ES256"));
    }

    #[test]
    fn a_wrong_issuer_is_named() {
        let policy =
            FederationPolicy::new("https://gitlab.com").subject("repo:acme/etl:environment:prod");
        let found = diagnose(&jwt("RS256", good_claims()), &policy, Some("acc-123"));
        assert!(
            matches!(found.as_slice(), [Mismatch::WrongIssuer { .. }]),
            "{found:?}"
        );
        assert!(found[0].to_string().contains("https://gitlab.com"));
    }

    #[test]
    fn an_audience_not_accepted_is_named_with_the_token_endpoint_trap() {
        let mut claims = good_claims();
        claims["aud"] = "https://dbc-1.cloud.databricks.com/oidc/v1/token".into();
        let found = diagnose(&jwt("RS256", claims), &sp_policy(), Some("acc-123"));
        match found.as_slice() {
            [
                Mismatch::AudienceNotAccepted {
                    expected,
                    token_endpoint_trap,
                    ..
                },
            ] => {
                assert_eq!(
                    expected,
                    &vec!["acc-123".to_owned()],
                    "an empty policy list means the account id"
                );
                assert!(token_endpoint_trap);
            }
            other => panic!("{other:?}"),
        }
        assert!(found[0].to_string().contains("account id"));

        let mut claims = good_claims();
        claims["aud"] = serde_json::json!(["x", "y"]);
        let found = diagnose(&jwt("RS256", claims), &sp_policy().audiences(["z"]), None);
        assert!(matches!(
            found.as_slice(),
            [Mismatch::AudienceNotAccepted {
                token_endpoint_trap: false,
                ..
            }]
        ));
    }

    #[test]
    fn a_subject_mismatch_and_a_missing_subject_claim_are_named() {
        let policy = sp_policy().subject("repo:acme/other:ref:refs/heads/main");
        let found = diagnose(&jwt("RS256", good_claims()), &policy, Some("acc-123"));
        assert!(
            matches!(found.as_slice(), [Mismatch::WrongSubject { .. }]),
            "{found:?}"
        );

        let account_policy = FederationPolicy::new("https://token.actions.githubusercontent.com")
            .subject_claim("email");
        let found = diagnose(
            &jwt("RS256", good_claims()),
            &account_policy,
            Some("acc-123"),
        );
        assert_eq!(
            found,
            vec![Mismatch::MissingSubjectClaim {
                claim: "email".into()
            }]
        );
    }

    #[test]
    fn expired_and_not_yet_valid_are_named() {
        let mut claims = good_claims();
        claims["exp"] = (now() - 3600).into();
        let found = diagnose(&jwt("RS256", claims), &sp_policy(), Some("acc-123"));
        assert!(
            matches!(found.as_slice(), [Mismatch::Expired { .. }]),
            "{found:?}"
        );

        let mut claims = good_claims();
        claims["nbf"] = (now() + 3600).into();
        let found = diagnose(&jwt("RS256", claims), &sp_policy(), Some("acc-123"));
        assert!(
            matches!(found.as_slice(), [Mismatch::NotYetValid { .. }]),
            "{found:?}"
        );
    }
}
