//! The fault matrix (`tests/cases/fault-matrix.json`): every hostile or failing token-endpoint
//! answer against a cold, a warm and a nearly expired cache, each with its outcome and a bound.

use std::time::{Duration, Instant};

use dbfed::{AccessToken, Credential, Error, HttpOptions, RetryPolicy};
use dbfed_testkit::{Fault, Testkit};
use serde::Deserialize;

use crate::common::*;

#[derive(Deserialize)]
struct Matrix {
    cases: Vec<Case>,
}

#[derive(Clone, Deserialize)]
struct Case {
    name: String,
    faults: Vec<Fault>,
    #[serde(default)]
    nested_json_depth: Option<usize>,
    cold: Expected,
}

#[derive(Clone, Deserialize)]
#[serde(untagged)]
enum Expected {
    /// `{"token": true}`: a valid token.
    Token { token: bool },
    Error {
        error: String,
        status: Option<u16>,
        contains: Option<String>,
    },
}

/// Each request's timeout: the matrix's slow answers take 5 s.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a cold call may take (5 attempts of 2 s within an 8 s budget, and slack for a loaded
/// 2-core machine running the other tests at once), and a warm one (served from the cache).
const COLD_BOUND: Duration = Duration::from_secs(25);
const WARM_BOUND: Duration = Duration::from_secs(1);
/// Tokens of 30 s count as 29 s: refreshed ahead in their last 14.5 s, waited for in their last
/// 2.9 s; the cold run (seconds, at most [`COLD_BOUND`]) ends before the warm one starts.
const SHORT_LIFETIME: Duration = Duration::from_secs(30);
/// When the warm and the nearly expired calls are made: this much before their token expires.
const WARM_LEFT: Duration = Duration::from_secs(5);
const NEARLY_LEFT: Duration = Duration::from_millis(1500);

fn cases() -> Vec<Case> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/cases/fault-matrix.json"
    );
    let text = std::fs::read_to_string(path).expect("the fault matrix");
    let matrix: Matrix = serde_json::from_str(&text).expect("the fault matrix parses");
    assert!(matrix.cases.len() >= 40, "{} cases", matrix.cases.len());
    matrix.cases
}

fn faults_of(case: &Case) -> Vec<Fault> {
    let mut faults = case.faults.clone();
    if let Some(depth) = case.nested_json_depth {
        faults[0].body = Some(format!("{}{}", "[".repeat(depth), "]".repeat(depth)));
    }
    for fault in &mut faults {
        fault.path = "/oidc/v1/token".into();
    }
    faults
}

fn credential(kit: &Testkit) -> Credential {
    sp_builder(kit, sp_jwt(kit))
        .http_options(
            HttpOptions::default()
                .connect_timeout(REQUEST_TIMEOUT)
                .request_timeout(REQUEST_TIMEOUT),
        )
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(20))
                .max_backoff(Duration::from_millis(100))
                .total_budget(Duration::from_secs(8)),
        )
        .build()
        .unwrap()
}

/// The message of `err` and of its causes, which must be fit to show.
fn assert_shown_safely(case: &str, err: &Error) {
    let mut shown = err.to_string();
    let mut cause = std::error::Error::source(err);
    while let Some(inner) = cause {
        shown.push_str(&inner.to_string());
        cause = inner.source();
    }
    assert!(
        !shown.chars().any(char::is_control) && !shown.contains("panic"),
        "{case}: {shown:?}"
    );
}

fn assert_valid(case: &str, phase: &str, outcome: &dbfed::Result<AccessToken>) {
    match outcome {
        Ok(token) => assert!(!token.is_expired(), "{case} ({phase}): an expired token"),
        Err(err) => panic!("{case} ({phase}): an error while a valid token was cached: {err}"),
    }
}

/// The cold run: a credential with nothing cached meets the faults.
async fn cold(kit: &Testkit, case: &Case) {
    let credential = credential(kit);
    for fault in faults_of(case) {
        kit.inject(fault);
    }
    let started = Instant::now();
    let outcome = tokio::time::timeout(COLD_BOUND * 2, credential.token())
        .await
        .unwrap_or_else(|_| panic!("{} (cold): hung", case.name));
    let took = started.elapsed();
    assert!(took < COLD_BOUND, "{} (cold): took {took:?}", case.name);
    match (&case.cold, outcome) {
        (Expected::Token { token: wanted }, Ok(token)) => {
            assert!(*wanted, "{}: `token` must be true", case.name);
            assert!(
                !token.is_expired(),
                "{} (cold): an expired token",
                case.name
            );
        }
        (Expected::Token { .. }, Err(err)) => panic!("{} (cold): {err}", case.name),
        (Expected::Error { .. }, Ok(_)) => panic!("{} (cold): a token, not an error", case.name),
        (
            Expected::Error {
                error,
                status,
                contains,
            },
            Err(err),
        ) => {
            assert_eq!(
                &format!("{:?}", err.kind()),
                error,
                "{} (cold): {err}",
                case.name
            );
            if let Some(status) = status {
                assert_eq!(err.status(), Some(*status), "{} (cold): {err}", case.name);
            }
            if let Some(contains) = contains {
                assert!(
                    err.to_string().contains(contains.as_str()),
                    "{} (cold): {err}",
                    case.name
                );
            }
            assert_shown_safely(&case.name, &err);
        }
    }
}

/// A first token, fetched with no fault injected (retried: the machine may be loaded).
async fn first_token(credential: &Credential) -> AccessToken {
    let mut last = None;
    for _ in 0..5 {
        match credential.token().await {
            Ok(token) => return token,
            Err(err) => last = Some(err),
        }
    }
    panic!("no first token: {last:?}");
}

/// One case on its own testkit: two credentials get tokens of [`SHORT_LIFETIME`]; then the cold
/// run; then the faults are injected again when the first token has 5 s left (a refresh-ahead
/// call: served at once) and again when the second has 1.5 s left (a caller that waits for the
/// refresh): both must get a valid token.
async fn run(kit: Testkit, case: Case) {
    kit.update_settings(|settings| settings.token_lifetime = SHORT_LIFETIME);
    let (warm, nearly) = (credential(&kit), credential(&kit));
    let warm_first = first_token(&warm).await;
    let nearly_first = first_token(&nearly).await;

    // The cold call's own fetch has ended when it returns: nothing of it lingers.
    cold(&kit, &case).await;
    kit.clear_faults();

    // A cold run that took very long (a loaded machine) leaves no time for a warm one.
    let warm_in_time = warm_first.remaining() > WARM_LEFT;
    tokio::time::sleep(warm_first.remaining().saturating_sub(WARM_LEFT)).await;
    for fault in faults_of(&case) {
        kit.inject(fault);
    }
    for _ in 0..3 {
        if !warm_in_time {
            break;
        }
        let started = Instant::now();
        let outcome = warm.token().await;
        let took = started.elapsed();
        assert!(took < WARM_BOUND, "{} (warm): took {took:?}", case.name);
        assert_valid(&case.name, "warm", &outcome);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    tokio::time::sleep(nearly_first.remaining().saturating_sub(NEARLY_LEFT)).await;
    kit.clear_faults();
    for fault in faults_of(&case) {
        kit.inject(fault);
    }
    if nearly_first.is_expired() {
        // Too slow a machine to call in the token's last second: the cold run covers a call
        // made with no valid token.
        return;
    }
    let outcome = tokio::time::timeout(COLD_BOUND * 2, nearly.token())
        .await
        .unwrap_or_else(|_| panic!("{} (nearly expired): hung", case.name));
    assert_valid(&case.name, "nearly expired", &outcome);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_gives_its_outcome_cold_and_a_valid_token_warm_or_nearly_expired() {
    // The testkits are started first, off the runtime's workers (each generates keys), so that
    // no run's timing includes another's start.
    let cases = cases();
    let mut kits = Vec::new();
    for _ in &cases {
        kits.push(tokio::task::spawn_blocking(testkit));
    }
    let mut runs = tokio::task::JoinSet::new();
    for (case, kit) in cases.into_iter().zip(kits) {
        runs.spawn(run(kit.await.unwrap(), case));
    }
    let mut failures = Vec::new();
    while let Some(run) = runs.join_next().await {
        if let Err(failure) = run {
            failures.push(failure.to_string());
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
