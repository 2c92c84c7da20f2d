//! The fault matrix (`tests/cases/fault-matrix.json`) through `dbfed serve`: every case cold,
//! warm and nearly expired, each on a testkit and `serve`s of its own; and what serve answers
//! once its token has expired and the refresh fails.

use std::time::{SystemTime, UNIX_EPOCH};

use super::*;

/// Tokens of 30 s count as 29 s (the server's rounding): refreshed ahead in their last 14.5 s,
/// waited for in their last 2.9 s; the warm request comes with 5 s left, the nearly expired one
/// with 1.5 s left.
const SHORT_LIFETIME: Duration = Duration::from_secs(30);
const COUNTED_LIFETIME: Duration = Duration::from_secs(29);
const WARM_LEFT: Duration = Duration::from_secs(5);
const NEARLY_LEFT: Duration = Duration::from_millis(1500);
/// A cold outcome (serve's start) comes within this on a loaded 2-core machine; a warm or
/// nearly expired answer, served from the cache, within the other.
const COLD_BOUND: Duration = Duration::from_secs(30);
const CACHED_BOUND: Duration = Duration::from_secs(3);

fn cases() -> Vec<serde_json::Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/cases/fault-matrix.json"
    );
    let matrix: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = matrix["cases"].as_array().unwrap().clone();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    cases
}

/// Whether `case`'s outcome depends on the client's timeouts (a slow or no answer), which
/// serve's defaults (30 s a request) make too slow for a cold run here.
fn is_slow(case: &serde_json::Value) -> bool {
    let faults = case["faults"].to_string();
    faults.contains("delay_ms") || faults.contains("never_read")
}

fn inject_faults_of(kit: &Testkit, case: &serde_json::Value) {
    for fault in case["faults"].as_array().unwrap() {
        let mut fault: Fault = serde_json::from_value(fault.clone()).unwrap();
        fault.path = "/oidc/v1/token".into();
        if let Some(depth) = case["nested_json_depth"].as_u64() {
            let depth = depth as usize;
            fault.body = Some(format!("{}{}", "[".repeat(depth), "]".repeat(depth)));
        }
        kit.inject(fault);
    }
}

/// Runs `check` on every case at once, each in a thread of its own, and fails with every
/// case's failure.
fn each_case(cases: Vec<serde_json::Value>, check: fn(&serde_json::Value)) {
    let failures: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = cases
            .iter()
            .map(|case| scope.spawn(move || check(case)))
            .collect();
        runs.into_iter()
            .filter_map(|run| run.join().err())
            .map(|failure| {
                failure
                    .downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_default()
            })
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What serve answers a metadata-service request for `kit`'s host.
fn ask(kit: &Testkit, url: &str) -> (u16, serde_json::Value) {
    let host = kit.url();
    get(
        url,
        &[
            ("X-Databricks-Metadata-Version", "1"),
            ("X-Databricks-Host", host.as_str()),
        ],
    )
}

/// Seconds since the epoch, now.
fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn serve_answers_every_case_of_the_fault_matrix_cold() {
    let cases: Vec<_> = cases().into_iter().filter(|case| !is_slow(case)).collect();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    each_case(cases, cold);
}

/// serve meets the faults before its first token: where the case expects a token it answers
/// 200 with one, else it exits 1 at start with the reason, fit to show.
fn cold(case: &serde_json::Value) {
    let name = case["name"].as_str().unwrap();
    let kit = kit();
    inject_faults_of(&kit, case);
    let started = Instant::now();
    if case["cold"]["token"] == true {
        let (child, url) = serve(&mut dbfed(&kit), &[]);
        let (status, body) = ask(&kit, &url);
        assert_eq!(status, 200, "{name}: {body}");
        assert!(!body["access_token"].as_str().unwrap_or_default().is_empty());
        assert_eq!(stop(child).code(), Some(0), "{name}: serve stops cleanly");
    } else {
        // serve gets its first token before it serves: a refusal is its exit, with the reason.
        let output = run(dbfed(&kit).arg("serve"));
        assert_eq!(
            output.status.code(),
            Some(1),
            "{name}: {}",
            text(&output.stderr)
        );
        let stderr = text(&output.stderr);
        assert!(
            !stderr.chars().any(|c| c.is_control() && c != '\n') && !stderr.contains("eyJ"),
            "{name}: {stderr:?}"
        );
    }
    let took = started.elapsed();
    assert!(took < COLD_BOUND, "{name}: took {took:?}");
}

#[test]
fn serve_answers_every_case_of_the_fault_matrix_warm_and_nearly_expired_with_a_valid_token() {
    each_case(cases(), warm_and_nearly_expired);
}

/// Two `serve`s get tokens of [`SHORT_LIFETIME`]; the faults are injected when the first has 5 s
/// left (a refresh-ahead request: answered at once) and again when the second has 1.5 s left
/// (a request that waits for the refresh, at most until shortly before expiry): both answers
/// are 200 with a token valid when asked.
fn warm_and_nearly_expired(case: &serde_json::Value) {
    let name = case["name"].as_str().unwrap();
    let kit = kit();
    kit.update_settings(|settings| settings.token_lifetime = SHORT_LIFETIME);
    let (warm, warm_url) = serve(&mut dbfed(&kit), &[]);
    let (nearly, nearly_url) = serve(&mut dbfed(&kit), &[]);
    let started = Instant::now();
    for (phase, url, left) in [
        ("warm", &warm_url, WARM_LEFT),
        ("nearly expired", &nearly_url, NEARLY_LEFT),
    ] {
        // serve got its token before it printed its URL: it expires within COUNTED_LIFETIME of it.
        std::thread::sleep(
            (started + COUNTED_LIFETIME - left).saturating_duration_since(Instant::now()),
        );
        kit.clear_faults();
        inject_faults_of(&kit, case);
        let asked = now_secs();
        let asking = Instant::now();
        let (status, body) = ask(&kit, url);
        let took = asking.elapsed();
        assert_eq!(status, 200, "{name} ({phase}): {body}");
        let expires_on = body["expires_on"].as_u64().unwrap_or_default();
        assert!(
            expires_on >= asked,
            "{name} ({phase}): a token expired on {expires_on}, asked at {asked}"
        );
        assert!(
            took < CACHED_BOUND,
            "{name} ({phase}): answered after {took:?}"
        );
    }
    for child in [warm, nearly] {
        assert_eq!(stop(child).code(), Some(0), "{name}: serve stops cleanly");
    }
}

#[test]
fn serve_answers_502_with_the_reason_once_its_token_expired_and_the_refresh_is_refused() {
    let kit = kit();
    kit.update_settings(|settings| settings.token_lifetime = Duration::from_secs(2));
    let (child, url) = serve(&mut dbfed(&kit), &[]);
    kit.inject(Fault {
        path: "/oidc/v1/token".into(),
        status: Some(400),
        body: Some(r#"{"error":"invalid_request","error_description":"policy revoked"}"#.into()),
        count: 1000,
        ..Fault::default()
    });
    std::thread::sleep(Duration::from_secs(3)); // the token served so far has expired
    let (status, body) = ask(&kit, &url);
    assert_eq!(status, 502, "{body}");
    let message = body["error"].as_str().unwrap_or_default();
    assert!(
        message.contains("HTTP 400") && message.contains("policy revoked"),
        "{message}"
    );
    assert_eq!(stop(child).code(), Some(0));
}
