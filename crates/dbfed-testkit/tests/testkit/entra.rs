//! The fake Microsoft Entra ID (client secrets, federated assertions, on-behalf-of) and IMDS.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dbfed_testkit::{
    AZURE_DATABRICKS_RESOURCE_ID, DEFAULT_FEDERATED_AUDIENCE, EntraApp, EntraUserToken, Fault,
    FederatedCredential, ManagedIdentity, MintRequest, Testkit,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::*;

const TENANT: &str = "72f988bf-0000-4000-8000-0000000000aa";
const APP: &str = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
const SECRET: &str = "app-secret-value";
const FEDERATED_SUBJECT: &str = "repo:octo/app:environment:prod";

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
}

/// A testkit with an app that has a secret and a federated credential for the testkit IdP.
fn with_app() -> Testkit {
    let testkit = Testkit::start();
    testkit.add_entra_app(EntraApp {
        tenant: TENANT.into(),
        client_id: APP.into(),
        secret: Some(SECRET.into()),
        federated_credentials: vec![FederatedCredential {
            issuer: testkit.issuer(),
            subject: FEDERATED_SUBJECT.into(),
            audience: None,
        }],
    });
    testkit
}

fn v1_endpoint(testkit: &Testkit) -> String {
    format!("{}/{TENANT}/oauth2/token", testkit.entra_authority())
}

fn v2_endpoint(testkit: &Testkit) -> String {
    format!("{}/{TENANT}/oauth2/v2.0/token", testkit.entra_authority())
}

fn assert_entra_error(body: &Value, error: &str, code: u64) {
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["error_codes"], json!([code]), "{body}");
    let description = body["error_description"].as_str().expect("description");
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "{body}"
    );
    assert!(body["correlation_id"].is_string() && body["trace_id"].is_string());
}

#[tokio::test]
async fn a_client_secret_on_v1_gets_a_token_azure_databricks_accepts() {
    let testkit = with_app();
    let sent = form(&[
        ("grant_type", "client_credentials"),
        ("client_id", APP),
        ("client_secret", SECRET),
        ("resource", AZURE_DATABRICKS_RESOURCE_ID),
    ]);

    let (status, body) = post_form(&v1_endpoint(&testkit), &sent).await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], "3600", "v1 sends numbers as strings");
    assert!(body["expires_on"].is_string() && body["not_before"].is_string());
    assert_eq!(body["resource"], AZURE_DATABRICKS_RESOURCE_ID);
    let token = body["access_token"].as_str().expect("access_token");
    let claims = claims_of(token);
    assert_eq!(claims["aud"], AZURE_DATABRICKS_RESOURCE_ID);
    assert_eq!(
        claims["iss"],
        format!("{}/{TENANT}/", testkit.entra_authority())
    );
    assert_eq!(
        (&claims["appid"], &claims["idtyp"]),
        (&json!(APP), &json!("app"))
    );
    let (status, me) = call_me(&testkit, token).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["userName"], format!("sp:{APP}"));

    let recorded = testkit.entra_requests();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].method, "POST");
    assert_eq!(recorded[0].path, format!("/entra/{TENANT}/oauth2/token"));
    assert_eq!(recorded[0].form, sent);
}

#[tokio::test]
async fn a_secret_by_http_basic_on_v2_needs_a_default_scope() {
    let testkit = with_app();
    let scope = format!("{AZURE_DATABRICKS_RESOURCE_ID}/.default");
    let request = |scope: String| {
        client()
            .post(v2_endpoint(&testkit))
            .basic_auth(APP, Some(SECRET))
            .form(&form(&[
                ("grant_type", "client_credentials"),
                ("scope", &scope),
            ]))
            .send()
    };

    let response = request(scope.clone()).await.expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["expires_in"], 3600, "v2 sends numbers");
    assert_eq!(body["scope"], scope);
    let claims = claims_of(body["access_token"].as_str().expect("token"));
    assert_eq!(claims["azp"], APP);
    assert_eq!(
        claims["iss"],
        format!("{}/{TENANT}/v2.0", testkit.entra_authority())
    );

    let response = request(format!("{AZURE_DATABRICKS_RESOURCE_ID}/user_impersonation"))
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_entra_error(
        &response.json().await.expect("JSON"),
        "invalid_scope",
        1_002_012,
    );
}

#[tokio::test]
async fn bad_secrets_and_unknown_apps_are_refused_in_entra_words() {
    let testkit = with_app();
    let attempt = |client_id: &str, secret: &str| {
        form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("resource", AZURE_DATABRICKS_RESOURCE_ID),
        ])
    };

    let response = client()
        .post(v1_endpoint(&testkit))
        .form(&attempt(APP, "wrong"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let request_id = response.headers()["x-ms-request-id"]
        .to_str()
        .expect("header")
        .to_owned();
    let body: Value = response.json().await.expect("JSON");
    assert_entra_error(&body, "invalid_client", 7_000_215);
    assert_eq!(body["trace_id"], request_id);

    let (status, body) = post_form(&v1_endpoint(&testkit), &attempt("no-such-app", SECRET)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_entra_error(&body, "unauthorized_client", 700_016);

    let no_credential = form(&[
        ("grant_type", "client_credentials"),
        ("client_id", APP),
        ("resource", AZURE_DATABRICKS_RESOURCE_ID),
    ]);
    let (status, body) = post_form(&v1_endpoint(&testkit), &no_credential).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_entra_error(&body, "invalid_client", 7_000_218);
}

#[tokio::test]
async fn a_client_assertion_must_match_a_federated_credential() {
    let testkit = with_app();
    let assertion = |sub: &str, expired: bool| {
        testkit.mint(MintRequest {
            sub: sub.into(),
            aud: vec![DEFAULT_FEDERATED_AUDIENCE.into()],
            expired,
            ..MintRequest::default()
        })
    };
    let attempt = |jwt: &str| {
        form(&[
            ("grant_type", "client_credentials"),
            ("client_id", APP),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", jwt),
            ("resource", AZURE_DATABRICKS_RESOURCE_ID),
        ])
    };

    let (status, body) = post_form(
        &v1_endpoint(&testkit),
        &attempt(&assertion(FEDERATED_SUBJECT, false)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, me) = call_me(&testkit, body["access_token"].as_str().expect("token")).await;
    assert_eq!(me["userName"], format!("sp:{APP}"));

    let (status, body) = post_form(
        &v1_endpoint(&testkit),
        &attempt(&assertion("repo:octo/other:ref:refs/heads/main", false)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_entra_error(&body, "invalid_request", 70_021);
    let description = body["error_description"].as_str().unwrap_or_default();
    assert!(description.contains("repo:octo/other"), "{description}");

    let (status, body) = post_form(
        &v1_endpoint(&testkit),
        &attempt(&assertion(FEDERATED_SUBJECT, true)),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_entra_error(&body, "invalid_client", 700_024);
}

#[tokio::test]
async fn on_behalf_of_turns_a_users_token_into_one_for_azure_databricks() {
    let testkit = with_app();
    let user_token = |audience: &str, expired: bool| {
        testkit.mint_entra_user_token(EntraUserToken {
            tenant: TENANT.into(),
            upn: "alice@contoso.com".into(),
            audience: audience.into(),
            expired,
            ..EntraUserToken::default()
        })
    };
    let scope = format!("{AZURE_DATABRICKS_RESOURCE_ID}/user_impersonation");
    let attempt = |assertion: &str| {
        form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("client_id", APP),
            ("client_secret", SECRET),
            ("assertion", assertion),
            ("scope", &scope),
            ("requested_token_use", "on_behalf_of"),
        ])
    };
    let own_token = user_token(APP, false);
    let (status, me) = call_me(&testkit, &own_token).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the user's own token is not for Databricks: {me}"
    );

    let (status, body) = post_form(&v2_endpoint(&testkit), &attempt(&own_token)).await;

    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["access_token"].as_str().expect("token");
    let claims = claims_of(token);
    assert_eq!(claims["aud"], AZURE_DATABRICKS_RESOURCE_ID);
    assert_eq!(claims["upn"], "alice@contoso.com");
    assert_eq!(
        (&claims["azp"], &claims["scp"]),
        (&json!(APP), &json!("user_impersonation"))
    );
    let (status, me) = call_me(&testkit, token).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["userName"], "alice@contoso.com");

    let (status, body) = post_form(
        &v2_endpoint(&testkit),
        &attempt(&user_token("api://some-other-app", false)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_entra_error(&body, "invalid_grant", 50_013);
    let (_, body) = post_form(&v2_endpoint(&testkit), &attempt(&user_token(APP, true))).await;
    assert_entra_error(&body, "invalid_grant", 500_133);
    let not_entra = testkit.mint(MintRequest {
        sub: "alice".into(),
        aud: vec![APP.into()],
        ..MintRequest::default()
    });
    let (_, body) = post_form(&v2_endpoint(&testkit), &attempt(&not_entra)).await;
    assert_entra_error(&body, "invalid_grant", 50_013);
}

#[tokio::test]
async fn imds_needs_the_metadata_header_and_serves_configured_identities() {
    let testkit = Testkit::start();
    testkit.add_managed_identity(ManagedIdentity {
        tenant: TENANT.into(),
        client_id: "system-mi".into(),
        system_assigned: true,
    });
    testkit.add_managed_identity(ManagedIdentity {
        tenant: TENANT.into(),
        client_id: "user-mi".into(),
        system_assigned: false,
    });
    let get = |query: &[(&str, &str)], metadata: bool| {
        let url = url::Url::parse_with_params(&testkit.imds_endpoint(), query).expect("URL");
        let mut request = client().get(url);
        if metadata {
            request = request.header("Metadata", "true");
        }
        request.send()
    };
    let resource = ("resource", AZURE_DATABRICKS_RESOURCE_ID);
    let version = ("api-version", "2018-02-01");

    let response = get(&[version, resource], false).await.expect("request");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(
        body["error_description"],
        "Required metadata header not specified"
    );

    for (query, principal) in [
        (vec![version, resource], "sp:system-mi"),
        (
            vec![version, resource, ("client_id", "user-mi")],
            "sp:user-mi",
        ),
    ] {
        let response = get(&query, true).await.expect("request");
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["expires_in"], "3600");
        assert!(body["expires_on"].is_string());
        assert_eq!(body["resource"], AZURE_DATABRICKS_RESOURCE_ID);
        let (_, me) = call_me(&testkit, body["access_token"].as_str().expect("token")).await;
        assert_eq!(me["userName"], principal);
    }

    let response = get(&[version, resource, ("client_id", "unknown")], true)
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = get(&[resource], true).await.expect("request");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let recorded = testkit.entra_requests();
    assert_eq!(recorded.len(), 5);
    assert_eq!(recorded[2].method, "GET");
    assert!(
        recorded[2]
            .query
            .contains(&("client_id".into(), "user-mi".into()))
    );
}

#[tokio::test]
async fn entra_tokens_live_the_configured_token_lifetime() {
    let testkit = with_app();
    testkit.update_settings(|settings| settings.token_lifetime = Duration::from_secs(2));
    let sent = form(&[
        ("grant_type", "client_credentials"),
        ("client_id", APP),
        ("client_secret", SECRET),
        ("resource", AZURE_DATABRICKS_RESOURCE_ID),
    ]);
    let (_, body) = post_form(&v1_endpoint(&testkit), &sent).await;
    assert_eq!(body["expires_in"], "2");
    let token = body["access_token"].as_str().expect("token").to_owned();
    assert_eq!(call_me(&testkit, &token).await.0, StatusCode::OK);

    tokio::time::sleep(Duration::from_secs(3)).await;

    let (status, me) = call_me(&testkit, &token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(me["message"], "Access token expired");
}

#[tokio::test]
async fn faults_apply_to_entra_and_imds_paths() {
    let testkit = with_app();
    testkit.add_managed_identity(ManagedIdentity {
        tenant: TENANT.into(),
        client_id: "system-mi".into(),
        system_assigned: true,
    });
    for path in ["/entra/", "/metadata/"] {
        testkit.inject(Fault {
            path: path.into(),
            status: Some(503),
            ..Fault::default()
        });
    }
    let sent = form(&[
        ("grant_type", "client_credentials"),
        ("client_id", APP),
        ("client_secret", SECRET),
        ("resource", AZURE_DATABRICKS_RESOURCE_ID),
    ]);
    let imds = || {
        let url = url::Url::parse_with_params(
            &testkit.imds_endpoint(),
            [
                ("api-version", "2018-02-01"),
                ("resource", AZURE_DATABRICKS_RESOURCE_ID),
            ],
        )
        .expect("URL");
        client().get(url).header("Metadata", "true").send()
    };

    assert_eq!(
        post_form(&v1_endpoint(&testkit), &sent).await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        imds().await.expect("request").status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        post_form(&v1_endpoint(&testkit), &sent).await.0,
        StatusCode::OK
    );
    assert_eq!(imds().await.expect("request").status(), StatusCode::OK);
    assert_eq!(testkit.counters().faults, 2);
    assert_eq!(
        testkit.entra_requests().len(),
        4,
        "faulted requests are recorded too"
    );
}

#[tokio::test]
async fn the_control_api_registers_apps_and_identities_and_mints_user_tokens() {
    let testkit = Testkit::start();
    let control = |path: &str| format!("{}/_testkit/entra/{path}", testkit.url());
    let post = |path: &str, body: Value| client().post(control(path)).json(&body).send();

    let response = post(
        "apps",
        json!({"tenant": TENANT, "client_id": APP, "secret": SECRET}),
    )
    .await
    .expect("request");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = post(
        "managed_identities",
        json!({"tenant": TENANT, "client_id": "mi", "system_assigned": true}),
    )
    .await
    .expect("request");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = post(
        "user_tokens",
        json!({"tenant": TENANT, "upn": "bob@contoso.com", "audience": APP, "lifetime_secs": 60}),
    )
    .await
    .expect("request");
    let minted: Value = response.json().await.expect("JSON");
    let claims = claims_of(minted["access_token"].as_str().expect("access_token"));
    assert_eq!(
        (&claims["upn"], &claims["aud"]),
        (&json!("bob@contoso.com"), &json!(APP))
    );
    assert_eq!(
        claims["exp"].as_i64().unwrap_or_default() - claims["iat"].as_i64().unwrap_or_default(),
        60
    );
    let response = post("apps", json!({"tenant": TENANT, "unknown": 1}))
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let sent = form(&[
        ("grant_type", "client_credentials"),
        ("client_id", APP),
        ("client_secret", SECRET),
        ("resource", AZURE_DATABRICKS_RESOURCE_ID),
    ]);
    assert_eq!(
        post_form(&v1_endpoint(&testkit), &sent).await.0,
        StatusCode::OK
    );
    let (status, recorded) = get_json(&control("requests")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(recorded[0]["path"], format!("/entra/{TENANT}/oauth2/token"));

    testkit.reset();
    assert!(testkit.entra_requests().is_empty());
    let (status, _) = post_form(&v1_endpoint(&testkit), &sent).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "reset forgets the apps");
}
