//! Refusing unsafe URLs, redirects and oversized bodies; no token in any Debug output.

use dbfed::source::{self, ClientAuth, Fixed};
use dbfed::{AzureOnBehalfOf, Credential, Error, Rejection, Secret, UserExchanger};
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

/// Every text an error shows: its message, its description and its causes' messages.
fn everything_shown(err: &Error) -> String {
    let mut shown = format!("{err}\n{err:?}");
    if let Error::Rejected(Rejection {
        description: Some(description),
        ..
    }) = err
    {
        shown.push_str(description);
    }
    let mut cause = std::error::Error::source(err);
    while let Some(inner) = cause {
        shown.push_str(&format!("\n{inner}"));
        cause = inner.source();
    }
    shown
}

#[tokio::test]
async fn a_server_echoing_what_dbfed_sent_has_it_masked_in_every_error() {
    let kit = testkit();
    let jwt = sp_jwt(&kit);
    let signature = jwt.rsplit('.').next().unwrap().to_owned();
    let other_jwt = user_jwt(&kit, "bob@example.com");
    for (content_type, body) in [
        (
            "application/json",
            serde_json::json!({
                "error": "invalid_request",
                "error_description": format!("subject_token {jwt} is bad; sig {signature}; also {other_jwt}"),
            })
            .to_string(),
        ),
        (
            "text/html",
            format!(
                "<html><body>Bad form: subject_token={jwt}&client_id={CLIENT_ID} sig={signature}</body></html>"
            ),
        ),
    ] {
        kit.inject(Fault {
            path: "/oidc/v1/token".into(),
            status: Some(400),
            body: Some(body),
            content_type: Some(content_type.into()),
            ..Fault::default()
        });
        let err = sp_builder(&kit, jwt.clone())
            .build()
            .unwrap()
            .token()
            .await
            .unwrap_err();
        let shown = everything_shown(&err);
        for secret in [&jwt, &signature, &other_jwt] {
            assert!(!shown.contains(secret.as_str()), "{content_type}: {shown}");
        }
        assert!(shown.contains("<redacted>"), "{content_type}: {shown}");
    }
}

#[tokio::test]
async fn an_idp_echoing_the_client_secret_has_it_masked() {
    let kit = testkit();
    let secret = "s3cret/with+chars-and-more";
    let encoded = "s3cret%2Fwith%2Bchars-and-more";
    kit.inject(Fault {
        path: "/idp/token".into(),
        status: Some(401),
        body: Some(
            serde_json::json!({
                "error": "invalid_client",
                "error_description": format!("client_secret={encoded} ({secret}) is wrong"),
            })
            .to_string(),
        ),
        ..Fault::default()
    });
    let source = source::OidcClientCredentials::new(
        kit.issuer(),
        "svc-etl",
        ClientAuth::SecretPost(Secret::new(secret)),
    );
    let err = sp_builder(&kit, String::new())
        .source(source)
        .build()
        .unwrap()
        .token()
        .await
        .unwrap_err();
    let shown = everything_shown(&err);
    assert!(shown.contains("invalid_client"), "{shown}");
    assert!(
        !shown.contains(secret) && !shown.contains(encoded),
        "{shown}"
    );
}

#[tokio::test]
async fn control_characters_from_the_server_never_reach_a_header_or_a_message() {
    let kit = testkit();
    let answer = |access_token: &str, token_type: &str| {
        serde_json::json!({"access_token": access_token, "token_type": token_type, "expires_in": 3600})
            .to_string()
    };
    for body in [
        answer("tok\r\nX-Injected: 1", "Bearer"),
        answer("tok", "Bearer\r\nX-Injected: 1"),
        answer("tok\u{1b}]0;FAKE: all good\u{7}", "Bearer"),
        answer("tok with spaces", "Bearer"),
        serde_json::json!({"error": "invalid_request", "error_description": "\u{1b}[2K\rFAKE: all good\n"})
            .to_string(),
    ] {
        kit.inject(Fault {
            path: "/oidc/v1/token".into(),
            status: Some(if body.contains("access_token") { 200 } else { 400 }),
            body: Some(body.clone()),
            ..Fault::default()
        });
        let err = sp_builder(&kit, sp_jwt(&kit))
            .build()
            .unwrap()
            .token()
            .await
            .expect_err(&body);
        let shown = everything_shown(&err);
        assert!(
            !shown.contains(['\r', '\u{1b}', '\u{7}']) && !format!("{err}").contains('\n'),
            "{body}: {shown:?}"
        );
        assert!(!shown.contains("tok with spaces"), "{shown}");
    }
}

#[tokio::test]
async fn a_url_carrying_a_password_is_refused_without_showing_it() {
    let kit = testkit();
    let with_password =
        |path: &str| format!("{}{path}", kit.url()).replacen("://", "://admin:hunter2-pw@", 1);
    let configured = [
        (
            "host",
            sp_builder(&kit, sp_jwt(&kit)).workspace(with_password("")),
        ),
        (
            "token endpoint",
            sp_builder(&kit, sp_jwt(&kit)).token_endpoint(with_password("/oidc/v1/token")),
        ),
        (
            "discovery URL",
            sp_builder(&kit, sp_jwt(&kit)).discovery_url(with_password(
                "/oidc/.well-known/oauth-authorization-server",
            )),
        ),
        (
            "unparsable host",
            sp_builder(&kit, sp_jwt(&kit)).workspace("https://admin:hunter2-pw@[::1"),
        ),
    ];
    for (what, builder) in configured {
        let err = builder.build().unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{what}: {err:?}");
        assert!(
            !format!("{err} {err:?}").contains("hunter2"),
            "{what}: {err}"
        );
    }

    // A discovery document naming a token endpoint with a password.
    kit.inject(Fault {
        path: "/oidc/.well-known/oauth-authorization-server".into(),
        status: Some(200),
        body: Some(
            serde_json::json!({"token_endpoint": with_password("/oidc/v1/token")}).to_string(),
        ),
        ..Fault::default()
    });
    let credential = sp_builder(&kit, sp_jwt(&kit))
        .discovery_url(format!(
            "{}/oidc/.well-known/oauth-authorization-server",
            kit.url()
        ))
        .build()
        .unwrap();
    let err = credential.token().await.unwrap_err();
    assert!(!format!("{err} {err:?}").contains("hunter2"), "{err}");
    assert!(!format!("{credential:?}").contains("hunter2"));
    assert!(
        kit.exchanges().is_empty(),
        "nothing is sent to a URL with a password"
    );
}

#[test]
fn a_command_source_counts_its_arguments_instead_of_showing_them() {
    let command = source::Command::new("/usr/local/bin/get-jwt").args([
        "--token",
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
        "--password=hunter2-secret",
    ]);
    let shown = format!("{command:?} {command:#?}");
    assert!(
        shown.contains("get-jwt") && shown.contains("arguments: 3"),
        "{shown}"
    );
    assert!(
        !shown.contains("hunter2") && !shown.contains("eyJ"),
        "{shown}"
    );
}
