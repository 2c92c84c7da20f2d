//! Federation policies and how a token's claims are matched against them, with a plain-words
//! explanation when nothing matches.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A federation policy: account-wide (`client_id: None`) or for one service principal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// `None` = account-wide policy; `Some` = service-principal policy for that client id.
    pub client_id: Option<String>,
    /// Required `iss` claim.
    pub issuer: String,
    /// Accepted `aud` values; empty means `[account_id]`, as Databricks does.
    #[serde(default)]
    pub audiences: Vec<String>,
    /// Required value of the subject claim; `None` accepts any value that is present.
    pub subject: Option<String>,
    /// Claim holding the subject (the user name for account-wide policies); default `sub`.
    pub subject_claim: Option<String>,
}

/// Why one policy did not accept a token. Later variants got further through the checks, so the
/// one with the highest rank is the "closest" policy.
enum Mismatch {
    Issuer,
    Audience(String),
    Subject(String),
}

impl Mismatch {
    fn rank(&self) -> u8 {
        match self {
            Mismatch::Issuer => 0,
            Mismatch::Audience(_) => 1,
            Mismatch::Subject(_) => 2,
        }
    }
}

/// Finds the first policy that accepts `claims` and returns the value of its subject claim.
/// Otherwise describes the closest policy's first mismatch.
pub(crate) fn match_policies(
    policies: &[Policy],
    claims: &Map<String, Value>,
    account_id: &str,
) -> Result<String, String> {
    let mut closest: Option<Mismatch> = None;
    for policy in policies {
        match check(policy, claims, account_id) {
            Ok(subject) => return Ok(subject),
            Err(mismatch) => {
                if closest
                    .as_ref()
                    .is_none_or(|best| mismatch.rank() > best.rank())
                {
                    closest = Some(mismatch);
                }
            }
        }
    }
    Err(match closest {
        Some(Mismatch::Audience(why) | Mismatch::Subject(why)) => why,
        Some(Mismatch::Issuer) | None => issuer_mismatch(policies, claims),
    })
}

fn check(
    policy: &Policy,
    claims: &Map<String, Value>,
    account_id: &str,
) -> Result<String, Mismatch> {
    if claims.get("iss").and_then(Value::as_str) != Some(policy.issuer.as_str()) {
        return Err(Mismatch::Issuer);
    }

    let accepted = if policy.audiences.is_empty() {
        vec![account_id.to_owned()]
    } else {
        policy.audiences.clone()
    };
    let audiences = token_audiences(claims);
    if audiences.is_empty() {
        return Err(Mismatch::Audience(format!(
            "Token has no 'aud' claim (federation policy expects one of {})",
            quoted_list(&accepted)
        )));
    }
    if !audiences.iter().any(|aud| accepted.contains(aud)) {
        return Err(Mismatch::Audience(format!(
            "Token audience {} not accepted by federation policy (expected one of {})",
            quoted_list(&audiences),
            quoted_list(&accepted)
        )));
    }

    let claim = policy.subject_claim.as_deref().unwrap_or("sub");
    let Some(value) = claims.get(claim).map(claim_text) else {
        return Err(Mismatch::Subject(match &policy.subject {
            Some(expected) => {
                format!("Token has no '{claim}' claim (federation policy subject '{expected}')")
            }
            None => format!(
                "Token has no '{claim}' claim, which the federation policy uses as the user name"
            ),
        }));
    };
    match &policy.subject {
        Some(expected) if *expected != value => {
            let what = if claim == "sub" {
                "subject".to_owned()
            } else {
                format!("subject claim '{claim}' value")
            };
            Err(Mismatch::Subject(format!(
                "Token {what} '{value}' does not match federation policy subject '{expected}'"
            )))
        }
        _ => Ok(value),
    }
}

fn issuer_mismatch(policies: &[Policy], claims: &Map<String, Value>) -> String {
    let expected: Vec<String> = policies
        .iter()
        .map(|policy| policy.issuer.clone())
        .collect();
    match claims.get("iss") {
        Some(issuer) => format!(
            "Token issuer '{}' does not match any federation policy (expected one of {})",
            claim_text(issuer),
            quoted_list(&expected)
        ),
        None => format!(
            "Token has no 'iss' claim (federation policies expect one of {})",
            quoted_list(&expected)
        ),
    }
}

/// The `aud` claim as a list: a string is one audience, an array lists several.
fn token_audiences(claims: &Map<String, Value>) -> Vec<String> {
    match claims.get("aud") {
        Some(Value::String(single)) => vec![single.clone()],
        Some(Value::Array(many)) => many.iter().map(claim_text).collect(),
        _ => Vec::new(),
    }
}

/// A claim value as text: strings verbatim, anything else as JSON.
fn claim_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// `['a', 'b']`
fn quoted_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("'{item}'")).collect();
    format!("[{}]", quoted.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    fn sp_policy() -> Policy {
        Policy {
            client_id: Some("sp".into()),
            issuer: "https://idp".into(),
            audiences: vec!["aud-1".into()],
            subject: Some("repo:x".into()),
            subject_claim: None,
        }
    }

    #[test]
    fn matching_policy_returns_subject() {
        let token =
            claims(json!({"iss": "https://idp", "aud": ["other", "aud-1"], "sub": "repo:x"}));
        assert_eq!(
            match_policies(&[sp_policy()], &token, "acc"),
            Ok("repo:x".into())
        );
    }

    #[test]
    fn empty_audiences_mean_account_id() {
        let policies = [Policy {
            issuer: "https://idp".into(),
            ..Policy::default()
        }];
        let token = claims(json!({"iss": "https://idp", "aud": "acc", "sub": "alice"}));
        assert_eq!(match_policies(&policies, &token, "acc"), Ok("alice".into()));
        let token = claims(json!({"iss": "https://idp", "aud": "nope", "sub": "alice"}));
        assert_eq!(
            match_policies(&policies, &token, "acc"),
            Err("Token audience ['nope'] not accepted by federation policy (expected one of ['acc'])".into())
        );
    }

    #[test]
    fn closest_policy_explains_the_failure() {
        let policies = [
            Policy {
                issuer: "https://elsewhere".into(),
                ..sp_policy()
            },
            sp_policy(),
        ];
        let token = claims(json!({"iss": "https://idp", "aud": "aud-1", "sub": "repo:y"}));
        assert_eq!(
            match_policies(&policies, &token, "acc"),
            Err("Token subject 'repo:y' does not match federation policy subject 'repo:x'".into())
        );
        let token = claims(json!({"iss": "https://evil", "aud": "aud-1", "sub": "repo:x"}));
        assert_eq!(
            match_policies(&policies, &token, "acc"),
            Err("Token issuer 'https://evil' does not match any federation policy (expected one of ['https://elsewhere', 'https://idp'])".into())
        );
    }

    #[test]
    fn custom_subject_claim_must_be_present() {
        let policies = [Policy {
            issuer: "https://idp".into(),
            subject_claim: Some("email".into()),
            ..Policy::default()
        }];
        let token = claims(json!({"iss": "https://idp", "aud": "acc", "sub": "123"}));
        assert_eq!(
            match_policies(&policies, &token, "acc"),
            Err(
                "Token has no 'email' claim, which the federation policy uses as the user name"
                    .into()
            )
        );
    }
}
