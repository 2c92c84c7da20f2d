//! The exchange itself: both federation kinds, the exact RFC 8693 form, and refusals in words.

use dbfed::{Credential, Error, Rejection, source::Fixed};
use dbfed_testkit::{HostType, MintRequest};

use crate::common::*;

#[tokio::test]
async fn workload_identity_exchange_yields_a_token_the_api_accepts() {
    let kit = testkit();
    let jwt = sp_jwt(&kit);
    let credential = sp_builder(&kit, jwt.clone()).build().unwrap();

    let token = credential.token().await.unwrap();

    let (status, me) = call_me(&kit, &token).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["userName"], format!("sp:{CLIENT_ID}"));
    assert_eq!(token.token_type(), "Bearer");
    assert_eq!(token.scope(), Some("all-apis"));
    let exchanges = kit.exchanges();
    assert_eq!(exchanges.len(), 1);
    assert_eq!(exchanges[0].path, "/oidc/v1/token");
    assert_eq!(
        exchanges[0].content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    let mut form = exchanges[0].form.clone();
    form.sort();
    let mut expected = vec![
        ("client_id".to_owned(), CLIENT_ID.to_owned()),
        (
            "grant_type".to_owned(),
            "urn:ietf:params:oauth:grant-type:token-exchange".to_owned(),
        ),
        ("scope".to_owned(), "all-apis".to_owned()),
        ("subject_token".to_owned(), jwt),
        (
            "subject_token_type".to_owned(),
            "urn:ietf:params:oauth:token-type:jwt".to_owned(),
        ),
    ];
    expected.sort();
    assert_eq!(form, expected, "exactly the RFC 8693 fields, nothing else");
}

#[tokio::test]
async fn account_wide_exchange_sends_no_client_id_and_acts_as_the_user() {
    let kit = testkit();
    kit.update_settings(|settings| settings.host_type = HostType::Account);
    let credential = Credential::builder()
        .account(kit.url(), kit.account_id())
        .source(Fixed::new(user_jwt(&kit, "ada@example.com")))
        .build()
        .unwrap();

    let token = credential.token().await.unwrap();

    let (status, me) = call_me(&kit, &token).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["userName"], "ada@example.com");
    let exchanges = kit.exchanges();
    assert_eq!(
        exchanges[0].path,
        format!("/oidc/accounts/{}/v1/token", kit.account_id())
    );
    assert!(
        exchanges[0]
            .form
            .iter()
            .all(|(name, _)| name != "client_id"),
        "account-wide federation must not send client_id"
    );
}

#[tokio::test]
async fn scopes_are_sorted_and_deduplicated() {
    let kit = testkit();
    let credential = sp_builder(&kit, sp_jwt(&kit))
        .scopes(["sql", "all-apis offline_access", "sql"])
        .build()
        .unwrap();
    credential.token().await.unwrap();
    let form = &kit.exchanges()[0].form;
    let scope = form.iter().find(|(name, _)| name == "scope").unwrap();
    assert_eq!(scope.1, "all-apis offline_access sql");
}

#[tokio::test]
async fn a_policy_mismatch_is_a_typed_error_with_status_and_the_servers_words() {
    let kit = testkit();
    let wrong_audience = kit.mint(MintRequest {
        sub: SUBJECT.into(),
        aud: vec!["https://github.com/someone-else".into()],
        ..MintRequest::default()
    });
    let credential = sp_builder(&kit, wrong_audience).build().unwrap();

    let err = credential.token().await.unwrap_err();

    match &err {
        Error::Rejected(Rejection {
            status,
            endpoint,
            error,
            description,
            ..
        }) => {
            assert_eq!(*status, 400);
            assert_eq!(endpoint, &format!("{}/oidc/v1/token", kit.url()));
            assert_eq!(error.as_deref(), Some("invalid_grant"));
            let description = description.as_deref().unwrap_or_default();
            assert!(description.contains("audience"), "{description}");
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert_eq!(err.status(), Some(400));
    assert!(!err.is_retryable());
    assert_eq!(kit.counters().rejections, 1, "a refusal is not retried");
    assert_eq!(credential.stats().failures, 1);
}

#[tokio::test]
async fn a_wrong_subject_and_an_unknown_service_principal_are_refused() {
    let kit = testkit();
    let wrong_subject = kit.mint(MintRequest {
        sub: "repo:acme/other".into(),
        aud: vec![AUDIENCE.into()],
        ..MintRequest::default()
    });
    let err = sp_builder(&kit, wrong_subject)
        .build()
        .unwrap()
        .token()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("subject"), "{err}");

    let unknown = Credential::builder()
        .workspace(kit.url())
        .client_id("no-such-service-principal")
        .source(Fixed::new(sp_jwt(&kit)))
        .build()
        .unwrap();
    let err = unknown.token().await.unwrap_err();
    assert!(
        matches!(err, Error::Rejected(Rejection { status: 401, .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_host_pasted_from_the_browser_reaches_the_token_endpoint() {
    let kit = testkit();
    for pasted in [
        format!("{}/?o=1234567890", kit.url()),
        format!("{}/login", kit.url()),
        format!("{}/sql/editor?o=1#tab", kit.url()),
    ] {
        let token = sp_builder(&kit, sp_jwt(&kit))
            .workspace(&pasted)
            .build()
            .unwrap()
            .token()
            .await
            .unwrap_or_else(|err| panic!("{pasted}: {err}"));
        assert_eq!(call_me(&kit, &token).await.0, 200, "{pasted}");
    }
}

#[test]
fn a_host_naming_no_host_and_an_account_id_that_is_no_id_are_config_errors() {
    let jwt = || dbfed::source::Fixed::new("x.y.z");
    for (what, builder) in [
        (
            "https://",
            dbfed::Credential::builder().workspace("https://"),
        ),
        ("://", dbfed::Credential::builder().workspace("://")),
        (
            "account id ../../x?y#z",
            dbfed::Credential::builder().account("https://accounts.example.com", "../../x?y#z"),
        ),
        (
            "account id with a space",
            dbfed::Credential::builder().account("https://accounts.example.com", "a b"),
        ),
    ] {
        let err = builder.source(jwt()).build().unwrap_err();
        assert_eq!(err.kind(), dbfed::ErrorKind::Config, "{what}: {err}");
    }
}
