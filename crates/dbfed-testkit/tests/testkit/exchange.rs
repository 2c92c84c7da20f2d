//! Token exchange: successes, every kind of rejection, and the protected API.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dbfed_testkit::{Alg, MintRequest, Policy, Testkit};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn service_principal_exchange_issues_a_token_the_api_accepts() {
    let testkit = Testkit::start();
    testkit.add_policy(sp_policy(&testkit));
    let form = exchange_form(&sp_token(&testkit), Some(SP_CLIENT_ID));

    let (status, body) = post_form(&testkit.workspace_token_endpoint(), &form).await;

    assert_eq!(status, StatusCode::OK, "{body}");
    let access_token = body["access_token"].as_str().expect("access_token");
    assert!(access_token.starts_with("dbfed-fake-"));
    assert_eq!(access_token.len(), "dbfed-fake-".len() + 32);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "all-apis");

    let (status, me) = call_me(&testkit, access_token).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["userName"], format!("sp:{SP_CLIENT_ID}"));
    assert_eq!(me["active"], true);

    let counters = testkit.counters();
    assert_eq!(
        (counters.exchanges, counters.successes, counters.rejections),
        (1, 1, 0)
    );
    assert_eq!((counters.api_calls, counters.api_rejections), (1, 0));
    let recorded = testkit.exchanges();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].path, "/oidc/v1/token");
    assert_eq!(
        recorded[0].content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(recorded[0].form, form);
}

#[tokio::test]
async fn account_wide_exchange_uses_the_subject_claim_as_user_name() {
    let testkit = Testkit::start();
    testkit.add_policy(Policy {
        issuer: testkit.issuer(),
        subject_claim: Some("email".into()),
        ..Policy::default()
    });
    let jwt = testkit.mint(MintRequest {
        sub: "00u1abcd".into(),
        aud: vec!["other".into(), testkit.account_id()],
        alg: Alg::Es256,
        extra_claims: json!({"email": "alice@example.com"})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        ..MintRequest::default()
    });

    let (status, body) = post_form(
        &testkit.account_token_endpoint(),
        &exchange_form(&jwt, None),
    )
    .await;

    assert_eq!(status, StatusCode::OK, "{body}");
    let access_token = body["access_token"].as_str().expect("access_token");
    let (_, me) = call_me(&testkit, access_token).await;
    assert_eq!(me["userName"], "alice@example.com");
}

#[tokio::test]
async fn requested_scope_and_string_expires_in_are_returned() {
    let testkit = Testkit::start();
    testkit.add_policy(sp_policy(&testkit));
    testkit.update_settings(|settings| {
        settings.expires_in_as_string = true;
        settings.token_lifetime = Duration::from_secs(120);
    });
    let mut form = exchange_form(&sp_token(&testkit), Some(SP_CLIENT_ID));
    form.retain(|(key, _)| key != "scope");
    form.push(("scope".into(), "sql offline_access".into()));

    let (status, body) = post_form(&testkit.workspace_token_endpoint(), &form).await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["expires_in"], "120");
    assert_eq!(body["scope"], "sql offline_access");
}

/// A JWT signed with HS256, which Databricks does not accept.
fn hs256_token() -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(r#"{"sub":"x"}"#);
    format!("{header}.{claims}.c2lnbmF0dXJl")
}

/// Changes the first character of the signature (which, unlike the last, carries only
/// significant bits, so the result is still canonical base64url).
fn tampered(jwt: &str) -> String {
    let signature_start = jwt.rfind('.').expect("a JWT") + 1;
    let replacement = if jwt[signature_start..].starts_with('A') {
        "B"
    } else {
        "A"
    };
    let mut forged = jwt.to_owned();
    forged.replace_range(signature_start..=signature_start, replacement);
    forged
}

/// One rejection case: name, form, expected status, `error`, and start of `error_description`.
struct Case(
    &'static str,
    Vec<(String, String)>,
    StatusCode,
    &'static str,
    &'static str,
);

#[tokio::test]
async fn rejections_explain_what_is_wrong() {
    let testkit = Testkit::start();
    testkit.add_policy(sp_policy(&testkit));
    let mint = |change: &dyn Fn(&mut MintRequest)| {
        let mut request = MintRequest {
            sub: SP_SUBJECT.into(),
            aud: vec![SP_AUDIENCE.into()],
            ..MintRequest::default()
        };
        change(&mut request);
        testkit.mint(request)
    };
    let sp = Some(SP_CLIENT_ID);
    let good = sp_token(&testkit);
    let with = |form: Vec<(String, String)>, key: &str, value: &str| {
        let mut form: Vec<_> = form.into_iter().filter(|(k, _)| k != key).collect();
        form.push((key.to_owned(), value.to_owned()));
        form
    };

    let cases: Vec<Case> = vec![
        Case(
            "wrong issuer",
            exchange_form(&mint(&|r| r.iss = Some("https://evil.example".into())), sp),
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Token issuer 'https://evil.example' does not match any federation policy",
        ),
        Case(
            "wrong audience",
            exchange_form(&mint(&|r| r.aud = vec!["nope".into()]), sp),
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Token audience ['nope'] not accepted by federation policy (expected one of ['https://github.com/octo'])",
        ),
        Case(
            "wrong subject",
            exchange_form(&mint(&|r| r.sub = "repo:octo/fork".into()), sp),
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Token subject 'repo:octo/fork' does not match federation policy subject 'repo:octo/app:ref:refs/heads/main'",
        ),
        Case(
            "expired",
            exchange_form(&mint(&|r| r.expired = true), sp),
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Token expired at 20",
        ),
        Case(
            "not yet valid",
            exchange_form(
                &mint(&|r| r.not_before_in = Some(Duration::from_secs(600))),
                sp,
            ),
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Token is not valid before 20",
        ),
        Case(
            "HS256",
            exchange_form(&hs256_token(), sp),
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Token signing algorithm 'HS256' is not supported",
        ),
        Case(
            "bad signature",
            exchange_form(&tampered(&good), sp),
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Token signature is invalid",
        ),
        Case(
            "unknown client",
            exchange_form(&good, Some("unknown-sp")),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client 'unknown-sp'",
        ),
        Case(
            "no account-wide policy",
            exchange_form(&good, None),
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "No account-wide federation policy",
        ),
        Case(
            "wrong grant type",
            with(exchange_form(&good, sp), "grant_type", "client_credentials"),
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Unsupported grant_type 'client_credentials'",
        ),
        Case(
            "wrong subject token type",
            with(exchange_form(&good, sp), "subject_token_type", "urn:x:pat"),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Unsupported subject_token_type 'urn:x:pat'",
        ),
        Case(
            "missing subject token",
            with(exchange_form(&good, sp), "subject_token", ""),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing subject_token",
        ),
        Case(
            "duplicate parameter",
            {
                let mut form = exchange_form(&good, sp);
                form.push(("client_id".into(), "again".into()));
                form
            },
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Parameter 'client_id' was sent more than once",
        ),
    ];

    let endpoint = testkit.workspace_token_endpoint();
    let count = cases.len() as u64;
    for Case(case, form, expected_status, expected_error, description_start) in cases {
        let (status, body) = post_form(&endpoint, &form).await;
        assert_eq!(status, expected_status, "{case}: {body}");
        assert_eq!(body["error"], expected_error, "{case}: {body}");
        let description = body["error_description"].as_str().unwrap_or_default();
        assert!(
            description.starts_with(description_start),
            "{case}: {description}"
        );
        let subject_token = form.iter().find(|(key, _)| key == "subject_token");
        if let Some((_, jwt)) = subject_token.filter(|(_, jwt)| !jwt.is_empty()) {
            assert!(
                !body.to_string().contains(jwt.as_str()),
                "{case}: echoes the JWT"
            );
        }
    }
    let counters = testkit.counters();
    assert_eq!((counters.exchanges, counters.rejections), (count, count));
}

#[tokio::test]
async fn non_form_content_type_is_rejected() {
    let testkit = Testkit::start();
    testkit.add_policy(sp_policy(&testkit));
    let response = client()
        .post(testkit.workspace_token_endpoint())
        .json(&json!({"grant_type": GRANT_TYPE}))
        .send()
        .await
        .expect("request");

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["error"], "invalid_request");
    let recorded = testkit.exchanges();
    assert_eq!(
        recorded[0].content_type.as_deref(),
        Some("application/json")
    );
    assert!(recorded[0].form.is_empty());
}

#[tokio::test]
async fn unknown_account_token_endpoint_is_not_found() {
    let testkit = Testkit::start();
    let endpoint = format!("{}/oidc/accounts/not-my-account/v1/token", testkit.url());

    let (status, body) = post_form(&endpoint, &exchange_form("x.y.z", None)).await;

    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error_code"], "NOT_FOUND");
    assert_eq!(testkit.counters().rejections, 1);
}

#[tokio::test]
async fn protected_api_rejects_missing_unknown_and_expired_tokens() {
    let testkit = Testkit::start();
    testkit.add_policy(sp_policy(&testkit));
    testkit.update_settings(|settings| settings.token_lifetime = Duration::ZERO);
    let form = exchange_form(&sp_token(&testkit), Some(SP_CLIENT_ID));
    let (_, body) = post_form(&testkit.workspace_token_endpoint(), &form).await;
    let expired = body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned();

    let no_header = client()
        .get(format!("{}/api/2.0/preview/scim/v2/Me", testkit.url()))
        .send()
        .await
        .expect("request");
    assert_eq!(no_header.status(), StatusCode::UNAUTHORIZED);
    for token in ["dbfed-fake-00000000000000000000000000000000", &expired] {
        let (status, body) = call_me(&testkit, token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["error_code"], "UNAUTHENTICATED");
    }
    let counters = testkit.counters();
    assert_eq!((counters.api_calls, counters.api_rejections), (3, 3));
}

#[tokio::test(start_paused = true)]
async fn works_from_a_runtime_with_paused_time() {
    let testkit = Testkit::start();
    testkit.add_policy(sp_policy(&testkit));
    let form = exchange_form(&sp_token(&testkit), Some(SP_CLIENT_ID));

    let (status, body) = post_form(&testkit.workspace_token_endpoint(), &form).await;

    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn revoked_tokens_are_answered_401_until_a_new_one_is_issued() {
    let testkit = Testkit::start();
    testkit.add_policy(sp_policy(&testkit));
    let form = exchange_form(&sp_token(&testkit), Some(SP_CLIENT_ID));
    let (_, body) = post_form(&testkit.workspace_token_endpoint(), &form).await;
    let revoked = body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned();

    assert_eq!(testkit.revoke_tokens(), 1);
    let (status, me) = call_me(&testkit, &revoked).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{me}");

    let (_, body) = post_form(&testkit.workspace_token_endpoint(), &form).await;
    let fresh = body["access_token"].as_str().expect("access_token");
    let (status, me) = call_me(&testkit, fresh).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(testkit.revoke_tokens(), 1);
}

#[tokio::test]
async fn chat_completions_answer_the_principal_of_a_valid_token_and_401_otherwise() {
    let testkit = Testkit::start();
    testkit.add_policy(sp_policy(&testkit));
    let form = exchange_form(&sp_token(&testkit), Some(SP_CLIENT_ID));
    let (_, body) = post_form(&testkit.workspace_token_endpoint(), &form).await;
    let token = body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned();
    let url = format!("{}/serving-endpoints/chat/completions", testkit.url());
    let complete = |stream: bool| {
        client()
            .post(&url)
            .bearer_auth(&token)
            .json(&json!({ "model": "my-endpoint", "messages": [], "stream": stream }))
            .send()
    };

    let response = complete(false).await.expect("chat completion");
    assert_eq!(response.status(), StatusCode::OK);
    let completion: Value = response.json().await.expect("JSON body");
    assert_eq!(completion["object"], "chat.completion");
    assert_eq!(completion["model"], "my-endpoint");
    let principal = format!("sp:{SP_CLIENT_ID}");
    assert_eq!(completion["choices"][0]["message"]["content"], principal);

    let response = complete(true).await.expect("streamed chat completion");
    assert_eq!(
        response.headers()["content-type"].to_str().ok(),
        Some("text/event-stream")
    );
    let events = response.text().await.expect("events");
    let data: Vec<&str> = events
        .split("\n\n")
        .filter_map(|event| event.strip_prefix("data: "))
        .collect();
    assert_eq!(data.len(), 3, "{events}");
    let first: Value = serde_json::from_str(data[0]).expect("a JSON chunk");
    assert_eq!(first["object"], "chat.completion.chunk");
    assert_eq!(first["choices"][0]["delta"]["content"], principal);
    assert_eq!(data[2], "[DONE]");

    assert_eq!(testkit.revoke_tokens(), 1);
    let response = complete(false).await.expect("chat completion");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.expect("JSON body");
    assert_eq!(body["error_code"], "UNAUTHENTICATED");
    let counters = testkit.counters();
    assert_eq!((counters.api_calls, counters.api_rejections), (3, 1));
}
