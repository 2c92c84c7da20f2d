//! The IdP documents, Databricks discovery, and the HTTP control API.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dbfed_testkit::{Alg, Counters, HostType, MintRequest, Settings, Testkit};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation};
use reqwest::StatusCode;
use serde_json::{Map, Value, json};

use crate::support::*;

async fn post_json(url: &str, body: &Value) -> (StatusCode, Value) {
    let response = client().post(url).json(body).send().await.expect("POST");
    let status = response.status();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn claims_of(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
}

#[tokio::test]
async fn jwks_verifies_tokens_minted_with_either_algorithm() {
    let testkit = Testkit::start();
    let (status, discovery) = get_json(&format!(
        "{}/.well-known/openid-configuration",
        testkit.issuer()
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(discovery["issuer"], testkit.issuer());
    assert_eq!(
        discovery["id_token_signing_alg_values_supported"],
        json!(["RS256", "ES256"])
    );
    let jwks_uri = discovery["jwks_uri"].as_str().expect("jwks_uri");
    let (_, jwks) = get_json(jwks_uri).await;
    let jwks: JwkSet = serde_json::from_value(jwks).expect("a JWKS");
    assert_eq!(jwks.keys.len(), 2);

    for alg in [Alg::Rs256, Alg::Es256] {
        let jwt = testkit.mint(MintRequest {
            sub: "alice".into(),
            aud: vec!["a".into(), "b".into()],
            lifetime: Some(Duration::from_secs(60)),
            alg,
            ..MintRequest::default()
        });
        let header = jsonwebtoken::decode_header(&jwt).expect("header");
        let kid = header.kid.as_deref().expect("kid");
        let jwk = jwks.find(kid).expect("kid is in the JWKS");
        let key = DecodingKey::from_jwk(jwk).expect("usable JWK");
        let mut validation = Validation::new(header.alg);
        validation.set_audience(&["a"]);
        validation.set_issuer(&[testkit.issuer()]);
        let data = jsonwebtoken::decode::<Map<String, Value>>(&jwt, &key, &validation)
            .unwrap_or_else(|error| panic!("{alg:?} token verifies: {error}"));
        let claims = data.claims;
        assert_eq!(claims["aud"], json!(["a", "b"]));
        assert_eq!(claims["sub"], "alice");
        assert_eq!(
            claims["exp"].as_i64().unwrap_or_default() - claims["iat"].as_i64().unwrap_or_default(),
            60
        );
        assert!(claims["jti"].is_string());
    }
}

#[tokio::test]
async fn host_metadata_follows_settings() {
    let testkit = Testkit::start();
    let metadata_url = format!("{}/.well-known/databricks-config", testkit.url());

    let (status, workspace) = get_json(&metadata_url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        workspace,
        json!({
            "oidc_endpoint": format!("{}/oidc", testkit.url()),
            "account_id": testkit.account_id(),
            "workspace_id": "1234567890",
            "cloud": "aws",
            "host_type": "workspace",
        })
    );

    testkit.update_settings(|settings| {
        settings.host_type = HostType::Account;
        settings.default_audiences = vec![testkit.account_id()];
    });
    let (_, account) = get_json(&metadata_url).await;
    assert_eq!(
        account["oidc_endpoint"],
        format!("{}/oidc/accounts/{{account_id}}", testkit.url())
    );
    assert_eq!(account["host_type"], "account");
    assert!(account.get("workspace_id").is_none());
    assert_eq!(
        account["token_federation_default_oidc_audiences"],
        json!([testkit.account_id()])
    );

    testkit.update_settings(|settings| settings.host_metadata = false);
    let (status, _) = get_json(&metadata_url).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(testkit.counters().discovery, 3);
}

#[tokio::test]
async fn authorization_server_documents_point_at_the_token_endpoints() {
    let testkit = Testkit::start();
    let (_, workspace) = get_json(&format!(
        "{}/oidc/.well-known/oauth-authorization-server",
        testkit.url()
    ))
    .await;
    assert_eq!(
        workspace["token_endpoint"],
        testkit.workspace_token_endpoint()
    );
    assert!(workspace["authorization_endpoint"].is_string());

    let (_, account) = get_json(&format!(
        "{}/oidc/accounts/{}/.well-known/oauth-authorization-server",
        testkit.url(),
        testkit.account_id()
    ))
    .await;
    assert_eq!(account["token_endpoint"], testkit.account_token_endpoint());

    let (status, _) = get_json(&format!(
        "{}/oidc/accounts/someone-else/.well-known/oauth-authorization-server",
        testkit.url()
    ))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(testkit.counters().discovery, 3);
}

#[tokio::test]
async fn control_api_drives_the_same_state() {
    let testkit = Testkit::start();
    let control = format!("{}/_testkit", testkit.url());

    let (status, minted) = post_json(
        &format!("{control}/mint"),
        &json!({"sub": SP_SUBJECT, "aud": [SP_AUDIENCE], "lifetime_secs": 120, "alg": "ES256"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{minted}");
    let jwt = minted["jwt"].as_str().expect("jwt");
    let claims = claims_of(jwt);
    assert_eq!(claims["aud"], SP_AUDIENCE);
    assert_eq!(claims["iss"], testkit.issuer());

    let policy = json!({"client_id": SP_CLIENT_ID, "issuer": testkit.issuer(),
                        "audiences": [SP_AUDIENCE], "subject": SP_SUBJECT});
    let (status, _) = post_json(&format!("{control}/policies"), &policy).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, settings) = post_json(
        &format!("{control}/settings"),
        &json!({"expires_in_as_string": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(settings["token_lifetime_secs"], 3600);
    assert_eq!(settings["expires_in_as_string"], true);
    let fault = json!({"status": 502, "delay_ms": 10});
    let (status, _) = post_json(&format!("{control}/faults"), &fault).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let form = exchange_form(jwt, Some(SP_CLIENT_ID));
    let (status, _) = post_form(&testkit.workspace_token_endpoint(), &form).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    let (status, body) = post_form(&testkit.workspace_token_endpoint(), &form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["expires_in"], "3600");

    let (_, counters) = get_json(&format!("{control}/counters")).await;
    let counters: Counters = serde_json::from_value(counters).expect("Counters");
    assert_eq!(counters, testkit.counters());
    assert_eq!(
        (counters.exchanges, counters.successes, counters.faults),
        (2, 1, 1)
    );
    let (_, exchanges) = get_json(&format!("{control}/exchanges")).await;
    assert_eq!(exchanges.as_array().map(Vec::len), Some(2));
    assert_eq!(exchanges[0]["form"][0], json!(["client_id", SP_CLIENT_ID]));

    let (status, _) = post_json(&format!("{control}/reset"), &json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(testkit.counters(), Counters::default());
    assert!(testkit.exchanges().is_empty());
    let (status, body) = post_form(&testkit.workspace_token_endpoint(), &form).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "policies are gone: {body}"
    );
}

#[tokio::test]
async fn bad_control_requests_get_400_with_a_json_error() {
    let testkit = Testkit::start();
    let control = format!("{}/_testkit", testkit.url());
    let cases = [
        ("mint", json!({"sub": "x", "alg": "HS256"})),
        ("mint", json!({"sub": "x", "surprise": true})),
        ("policies", json!({"audiences": ["no issuer"]})),
        ("faults", json!({"count": 0})),
        ("faults", json!({"status": 1000})),
        ("faults", json!({"redirect_to": "/x", "status": 200})),
        ("settings", json!(["not", "an", "object"])),
        ("settings", json!({"token_lifetime_secs": "soon"})),
        ("settings", json!({"unknown_setting": 1})),
    ];
    for (route, body) in cases {
        let (status, error) = post_json(&format!("{control}/{route}"), &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{route} {body}");
        assert!(error["error"].is_string(), "{route} {body}: {error}");
    }
    let response = client()
        .post(format!("{control}/policies"))
        .body("not json")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn control_api_gives_the_signing_keys() {
    let testkit = Testkit::start();
    for (name, alg) in [("RS256", Alg::Rs256), ("ES256", Alg::Es256)] {
        let (status, key) = get_json(&format!("{}/_testkit/keys/{name}", testkit.url())).await;
        assert_eq!(status, StatusCode::OK, "{key}");
        assert_eq!(key["alg"], name);
        assert_eq!(key["private_key_pem"], testkit.signing_key_pem(alg));
    }
    let (status, error) = get_json(&format!("{}/_testkit/keys/HS256", testkit.url())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["error"].is_string(), "{error}");
}

#[test]
fn reset_restores_initial_settings_and_keeps_keys() {
    let testkit = Testkit::start();
    let before = testkit.mint(MintRequest::default());
    testkit.update_settings(|settings| settings.token_lifetime = Duration::from_secs(5));
    testkit.reset();

    let mut settings = None;
    testkit.update_settings(|current| settings = Some(current.clone()));
    assert_eq!(settings, Some(Settings::default()));
    let after = testkit.mint(MintRequest::default());
    let kid = |jwt: &str| {
        jsonwebtoken::decode_header(jwt)
            .ok()
            .and_then(|header| header.kid)
    };
    assert_eq!(kid(&before), kid(&after));
}

#[test]
fn testkit_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Testkit>();
}
