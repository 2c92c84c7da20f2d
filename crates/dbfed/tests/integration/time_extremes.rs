//! Times from outside at their extremes — JWT `exp` / `nbf` / `iat`, `expires_in`, `expires_on`,
//! `Retry-After` — give a result or a typed error, never a panic.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dbfed::{FederationPolicy, Mismatch, SubjectToken, UserExchanger, diagnose};
use dbfed_testkit::{Fault, MintRequest, Testkit};
use serde_json::{Value, json};

use crate::common::*;

/// 9999-12-31T23:59:59Z, the latest time dbfed represents.
const LAST_SECOND_OF_9999: u64 = 253_402_300_799;

/// Numeric dates at every edge: the epoch, 2^31, 2^53 (+1), 2^63, 2^64 − 1, year 10000,
/// negative, fractional, and beyond any integer.
fn extremes() -> Vec<Value> {
    vec![
        json!(0),
        json!(1u64 << 31),
        json!(1u64 << 53),
        json!((1u64 << 53) + 1),
        json!(1u64 << 63),
        json!(u64::MAX),
        json!(LAST_SECOND_OF_9999),
        json!(LAST_SECOND_OF_9999 + 1),
        json!(-1),
        json!(i64::MIN),
        json!(1_700_000_000.5),
        json!(1e300),
        json!(-1e300),
    ]
}

/// A JWT signed by the testkit, with `claim` set to `value` (the others as minted).
fn jwt_with(kit: &Testkit, claim: &str, value: &Value) -> String {
    let mut extra_claims = serde_json::Map::new();
    extra_claims.insert(claim.into(), value.clone());
    extra_claims.insert("email".into(), "alice@example.com".into());
    kit.mint(MintRequest {
        sub: SUBJECT.into(),
        aud: vec![AUDIENCE.into(), kit.account_id()],
        extra_claims,
        ..MintRequest::default()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_at_the_extremes_are_diagnosed_and_refused_or_exchanged_without_a_panic() {
    let kit = testkit();
    let users = UserExchanger::builder()
        .workspace(kit.url())
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let policy = FederationPolicy::new(kit.issuer()).audiences([AUDIENCE]);
    for claim in ["exp", "nbf", "iat"] {
        for value in extremes() {
            let jwt = jwt_with(&kit, claim, &value);
            let what = format!("{claim} = {value}");

            let claims = SubjectToken::new(&jwt).claims().expect("a JWT");
            if let Some(expires_at) = claims.expires_at() {
                assert!(
                    expires_at <= UNIX_EPOCH + Duration::from_secs(LAST_SECOND_OF_9999),
                    "{what}"
                );
            }
            for mismatch in diagnose(&jwt, &policy, None) {
                // Every mismatch can be shown, and its instant is one every platform holds.
                assert!(!mismatch.to_string().is_empty(), "{what}");
                if let Some(at) = mismatch.at() {
                    assert!(at <= UNIX_EPOCH + Duration::from_secs(LAST_SECOND_OF_9999));
                }
                if claim == "exp" && value.as_f64().is_some_and(|exp| exp <= 0.0) {
                    assert!(matches!(mismatch, Mismatch::Expired { .. }), "{what}");
                }
            }

            match users.token_for(&jwt).await {
                Ok(token) => assert!(!token.is_expired(), "{what}"),
                Err(err) => assert!(!err.to_string().contains("panic"), "{what}: {err}"),
            }
            match sp_builder(&kit, jwt).build().unwrap().token().await {
                Ok(token) => assert!(!token.is_expired(), "{what}"),
                Err(err) => assert!(!err.to_string().contains("panic"), "{what}: {err}"),
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jwt_valid_until_the_far_future_is_diagnosed_as_valid() {
    let kit = testkit();
    let policy = FederationPolicy::new(kit.issuer()).audiences([AUDIENCE]);
    for exp in [
        json!(u64::MAX),
        json!(1u64 << 63),
        json!(LAST_SECOND_OF_9999 + 1),
    ] {
        let jwt = jwt_with(&kit, "exp", &exp);
        assert_eq!(diagnose(&jwt, &policy, None), vec![], "exp = {exp}");
    }
    let jwt = jwt_with(&kit, "nbf", &json!(u64::MAX));
    let mismatches = diagnose(&jwt, &policy, None);
    assert!(
        matches!(mismatches.as_slice(), [Mismatch::NotYetValid { from }]
            if *from == UNIX_EPOCH + Duration::from_secs(LAST_SECOND_OF_9999)),
        "{mismatches:?}"
    );
    assert!(
        mismatches[0].to_string().contains("9999"),
        "{}",
        mismatches[0]
    );
}

/// A token-endpoint answer with `field` set to `value`.
fn answer_with(field: &str, value: &Value) -> Fault {
    Fault {
        path: "/oidc/v1/token".into(),
        status: Some(200),
        body: Some(
            json!({"access_token": "dapi-extreme", "token_type": "Bearer", field: value})
                .to_string(),
        ),
        ..Fault::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_lifetimes_at_the_extremes_give_a_valid_token_or_a_typed_error() {
    let kit = testkit();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut cases: Vec<(&str, Value)> = extremes()
        .into_iter()
        .flat_map(|value| [("expires_in", value.clone()), ("expires_on", value)])
        .collect();
    cases.extend([
        ("expires_in", json!("18446744073709551615")),
        ("expires_in", json!("1e400")),
        ("expires_on", json!((now + 3600).to_string())),
        ("expires_on", json!(now + 3600)),
    ]);
    for (field, value) in cases {
        kit.inject(answer_with(field, &value));
        let credential = sp_builder(&kit, sp_jwt(&kit)).build().unwrap();
        let what = format!("{field} = {value}");
        match credential.token().await {
            Ok(token) => {
                assert_eq!(token.token(), "dapi-extreme", "{what}");
                assert!(
                    token.expires_at() <= UNIX_EPOCH + Duration::from_secs(LAST_SECOND_OF_9999),
                    "{what}"
                );
                // Shown without a panic, whatever the instant.
                assert!(format!("{token:?}").contains("expires_at"), "{what}");
            }
            Err(err) => assert_eq!(err.kind(), dbfed::ErrorKind::Malformed, "{what}: {err}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_at_the_extremes_ends_the_retries_at_once() {
    let kit = testkit();
    for retry_after in [
        "18446744073709551615",
        "99999999999999999999999",
        "Fri, 31 Dec 9999 23:59:59 GMT",
    ] {
        kit.inject(Fault {
            path: "/oidc/v1/token".into(),
            status: Some(503),
            retry_after: Some(retry_after.into()),
            ..Fault::default()
        });
        let credential = sp_builder(&kit, sp_jwt(&kit)).build().unwrap();
        let started = std::time::Instant::now();
        let outcome = credential.token().await;
        // A wait beyond the retry budget is not waited for: either refused at once, or (for a
        // value that is not a number or a date) retried after the usual backoff.
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "Retry-After {retry_after}"
        );
        if let Err(err) = outcome {
            assert!(
                !err.to_string().contains("panic"),
                "Retry-After {retry_after}: {err}"
            );
        }
    }
}
