//! Refusing unsafe URLs, redirects and oversized bodies; no token in any Debug output.

use dbfed::source::{self, ClientAuth, Fixed};
use dbfed::{AzureOnBehalfOf, Credential, Error, Secret, UserExchanger};
use dbfed_testkit::Fault;

use crate::common::*;

#[test]
fn plain_http_to_a_non_loopback_host_is_refused() {
    for (what, builder) in [
        (
            "host",
            Credential::builder().workspace("http://dbc.example.com"),
        ),
        (
            "token endpoint",
            Credential::builder().token_endpoint("http://dbc.example.com/oidc/v1/token"),
        ),
        (
            "discovery URL",
            Credential::builder()
                .workspace("https://dbc.example.com")
                .discovery_url(
                    "http://dbc.example.com/oidc/.well-known/oauth-authorization-server",
                ),
        ),
    ] {
        let err = builder.source(Fixed::new("x.y.z")).build().unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{what}: {err:?}");
        assert!(err.to_string().contains("https"), "{what}: {err}");
    }
}

#[tokio::test]
async fn a_redirect_from_the_token_endpoint_is_not_followed() {
    let kit = testkit();
    kit.inject(Fault {
        path: "/oidc/v1/token".into(),
        redirect_to: Some(format!("{}/oidc/v1/token", kit.url())),
        ..Default::default()
    });
    let credential = sp_builder(&kit, sp_jwt(&kit)).build().unwrap();

    let err = credential.token().await.unwrap_err();

    assert!(matches!(err.status(), Some(300..=399)), "{err:?}");
    assert!(err.to_string().contains("redirect"), "{err}");
    let counters = kit.counters();
    assert_eq!(
        (counters.exchanges, counters.successes),
        (1, 0),
        "{counters:?}"
    );
}

#[tokio::test]
async fn a_ten_megabyte_body_is_refused() {
    let kit = testkit();
    kit.inject(Fault {
        path: "/oidc/v1/token".into(),
        body_bytes: Some(10 * 1024 * 1024),
        ..Default::default()
    });
    let credential = sp_builder(&kit, sp_jwt(&kit)).build().unwrap();

    let err = credential.token().await.unwrap_err();

    assert!(matches!(err, Error::Malformed { .. }), "{err:?}");
    assert!(err.to_string().contains("larger than"), "{err}");
}

#[tokio::test]
async fn debug_output_of_every_public_type_shows_no_token_or_jwt() {
    let kit = testkit();
    let jwt = sp_jwt(&kit);
    let credential = sp_builder(&kit, jwt.clone()).build().unwrap();
    let token = credential.token().await.unwrap();
    let subject = dbfed::SubjectToken::new(&jwt);
    let secret = dbfed::Secret::new(token.token());
    kit.inject(Fault {
        path: "/oidc/v1/token".into(),
        status: Some(400),
        body: Some(r#"{"error":"invalid_grant","error_description":"nope"}"#.into()),
        ..Default::default()
    });
    credential.invalidate();
    let err = credential.token().await.unwrap_err();

    let shown = [
        format!("{token:?}"),
        format!("{token}"),
        format!("{credential:?}"),
        format!("{subject:?}"),
        format!("{secret:?}"),
        format!("{err:?}"),
        format!("{err}"),
        format!("{:?}", credential.stats()),
        format!("{:?}", credential.endpoints().await.unwrap()),
        format!("{:?}", Fixed::new(jwt.clone())),
    ];
    let signature = jwt.rsplit('.').next().unwrap();
    for text in shown {
        assert!(!text.contains(token.token()), "token shown in {text}");
        assert!(!text.contains(signature), "JWT shown in {text}");
    }

    // Types configured with secrets: the secret (here the token's text) never shows.
    let users = UserExchanger::builder()
        .workspace(kit.url())
        .build()
        .unwrap();
    users.token_for(&jwt).await.unwrap_err(); // a user cached, then refused
    let secret_of = || Secret::new(token.token());
    let with_secrets = [
        format!("{users:?}"),
        format!(
            "{:?}",
            Credential::azure()
                .tenant_id("t")
                .client_id("c")
                .client_secret(secret_of())
                .build()
                .unwrap()
        ),
        format!(
            "{:?}",
            Credential::azure()
                .managed_identity()
                .identity_endpoint("http://127.0.0.1:1/msi/token", secret_of())
                .build()
                .unwrap()
        ),
        format!(
            "{:?}",
            AzureOnBehalfOf::builder()
                .tenant_id("t")
                .client_id("c")
                .client_secret(secret_of())
                .build()
                .unwrap()
        ),
        format!(
            "{:?}",
            source::OidcClientCredentials::new(
                "https://idp",
                "c",
                ClientAuth::SecretPost(secret_of())
            )
        ),
        format!("{:?}", ClientAuth::SecretBasic(secret_of())),
    ];
    for text in with_secrets {
        assert!(!text.contains(token.token()), "secret shown in {text}");
        assert!(!text.contains(signature), "JWT shown in {text}");
    }
}
