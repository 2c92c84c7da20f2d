//! The leak scan: everything every crate logs at TRACE while dbfed meets servers that echo what
//! it sent. Its own test binary, with nothing else running: `tracing` caches whether a callsite
//! is enabled, and tests on other threads (with no subscriber) made this one miss events.

#[path = "integration/common.rs"]
#[allow(dead_code)]
mod common;

use dbfed::Secret;
use dbfed::UserExchanger;
use dbfed::source::{self, ClientAuth};
use dbfed_testkit::Fault;

use common::*;

/// A `tracing` writer that keeps every line, for the leak scan.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything every crate logs at TRACE — dbfed, reqwest, hyper, rustls — while a credential
/// exchanges, refreshes through failures, meets servers echoing what it sent and URLs carrying
/// a password, and a per-user exchanger works: no token, JWT, signature or secret in any line.
#[test]
fn nothing_logged_at_trace_shows_a_token_or_a_secret() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer({
            let captured = captured.clone();
            move || captured.clone()
        })
        .finish();
    let secrets = tracing::subscriber::with_default(subscriber, || {
        // One thread runs everything, refreshes included, so the subscriber sees it all.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let kit = testkit();
            let jwt = sp_jwt(&kit);
            let credential = sp_builder(&kit, jwt.clone()).build().unwrap();
            let token = credential.token().await.unwrap();
            kit.inject(Fault::refusal_echoing("/oidc/v1/token", &jwt));
            credential.invalidate_token(&token);
            let _ = credential.token().await;

            let user = user_jwt(&kit, "alice@example.com");
            let users = UserExchanger::builder()
                .workspace(kit.url())
                .retry_policy(fast_retries())
                .build()
                .unwrap();
            let user_token = users.token_for(&user).await.unwrap();

            let client_secret = "client-secret-for-the-leak-scan";
            let _ = sp_builder(&kit, String::new())
                .source(source::OidcClientCredentials::new(
                    kit.issuer(),
                    "svc-etl",
                    ClientAuth::SecretPost(Secret::new(client_secret)),
                ))
                .build()
                .unwrap()
                .token()
                .await;

            // URLs carrying a password: configured, and named by a discovery document.
            let password = "hunter2-url-password";
            let with_password = |path: &str| {
                format!("{}{path}", kit.url()).replacen("://", &format!("://admin:{password}@"), 1)
            };
            let _ = sp_builder(&kit, jwt.clone())
                .workspace(with_password(""))
                .build();
            let discovery = "/oidc/.well-known/oauth-authorization-server";
            kit.inject(Fault {
                path: discovery.into(),
                status: Some(200),
                body: Some(
                    serde_json::json!({"token_endpoint": with_password("/oidc/v1/token")})
                        .to_string(),
                ),
                ..Fault::default()
            });
            let discovered = sp_builder(&kit, jwt.clone())
                .discovery_url(format!("{}{discovery}", kit.url()))
                .build()
                .unwrap();
            assert!(
                discovered.token().await.is_err(),
                "no token from such an endpoint"
            );
            vec![
                password.to_owned(),
                jwt.clone(),
                jwt.rsplit('.').next().unwrap().to_owned(),
                token.token().to_owned(),
                user.rsplit('.').next().unwrap().to_owned(),
                user_token.token().to_owned(),
                client_secret.to_owned(),
            ]
        })
    });
    let logged = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logged.lines().count() > 20,
        "the scan saw too little:\n{logged}"
    );
    for secret in secrets {
        assert!(
            !logged.contains(&secret),
            "{}… logged:\n{logged}",
            &secret[..12]
        );
    }
}
