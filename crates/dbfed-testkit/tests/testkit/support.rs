//! Helpers shared by the integration tests.

use dbfed_testkit::{MintRequest, Policy, Testkit};
use reqwest::StatusCode;
use serde_json::Value;

pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
pub const JWT_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";
pub const SP_CLIENT_ID: &str = "6b7c2a7e-1111-4111-8111-000000000005";
pub const SP_SUBJECT: &str = "repo:octo/app:ref:refs/heads/main";
pub const SP_AUDIENCE: &str = "https://github.com/octo";

/// A client that ignores proxy settings and never follows redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client")
}

/// A service-principal policy for `SP_CLIENT_ID`.
pub fn sp_policy(testkit: &Testkit) -> Policy {
    Policy {
        client_id: Some(SP_CLIENT_ID.into()),
        issuer: testkit.issuer(),
        audiences: vec![SP_AUDIENCE.into()],
        subject: Some(SP_SUBJECT.into()),
        subject_claim: None,
    }
}

/// A token that `sp_policy` accepts.
pub fn sp_token(testkit: &Testkit) -> String {
    testkit.mint(MintRequest {
        sub: SP_SUBJECT.into(),
        aud: vec![SP_AUDIENCE.into()],
        ..MintRequest::default()
    })
}

/// The standard exchange form, with `client_id` when given.
pub fn exchange_form(jwt: &str, client_id: Option<&str>) -> Vec<(String, String)> {
    let mut form = vec![
        ("grant_type".to_owned(), GRANT_TYPE.to_owned()),
        ("subject_token".to_owned(), jwt.to_owned()),
        ("subject_token_type".to_owned(), JWT_TOKEN_TYPE.to_owned()),
        ("scope".to_owned(), "all-apis".to_owned()),
    ];
    if let Some(client_id) = client_id {
        form.insert(0, ("client_id".to_owned(), client_id.to_owned()));
    }
    form
}

/// POSTs `form` to `endpoint` and returns the status and JSON body.
pub async fn post_form(endpoint: &str, form: &[(String, String)]) -> (StatusCode, Value) {
    let response = client()
        .post(endpoint)
        .form(form)
        .send()
        .await
        .expect("token request");
    let status = response.status();
    (status, response.json().await.expect("JSON body"))
}

/// GETs `url` and returns the status and JSON body.
pub async fn get_json(url: &str) -> (StatusCode, Value) {
    let response = client().get(url).send().await.expect("GET");
    let status = response.status();
    (status, response.json().await.expect("JSON body"))
}

/// Calls the protected API with `Authorization: Bearer <token>`.
pub async fn call_me(testkit: &Testkit, token: &str) -> (StatusCode, Value) {
    let response = client()
        .get(format!("{}/api/2.0/preview/scim/v2/Me", testkit.url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("Me request");
    let status = response.status();
    (status, response.json().await.expect("JSON body"))
}
