//! Retries: what is retried, how long it waits, and what is not retried.

use std::time::{Duration, Instant};

use dbfed::{Error, Rejection};
use dbfed_testkit::Fault;

use crate::common::*;

#[tokio::test]
async fn a_503_with_retry_after_is_retried_once_after_the_wait() {
    let kit = testkit();
    kit.inject(Fault {
        path: "/oidc/v1/token".into(),
        status: Some(503),
        retry_after: Some("1".into()),
        body: Some(r#"{"error_code":"TEMPORARILY_UNAVAILABLE","message":"try later"}"#.into()),
        ..Default::default()
    });
    let credential = sp_builder(&kit, sp_jwt(&kit)).build().unwrap();

    let started = Instant::now();
    let token = credential.token().await.unwrap();

    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    let counters = kit.counters();
    assert_eq!(
        (counters.faults, counters.successes),
        (1, 1),
        "{counters:?}"
    );
    assert_eq!(call_me(&kit, &token).await.0, 200);
}

#[tokio::test]
async fn a_400_is_not_retried() {
    let kit = testkit();
    kit.inject(Fault {
        path: "/oidc/v1/token".into(),
        status: Some(400),
        body: Some(r#"{"error":"invalid_request","error_description":"malformed"}"#.into()),
        ..Default::default()
    });
    let credential = sp_builder(&kit, sp_jwt(&kit)).build().unwrap();

    let err = credential.token().await.unwrap_err();

    assert!(
        matches!(err, Error::Rejected(Rejection { status: 400, .. })),
        "{err:?}"
    );
    let counters = kit.counters();
    assert_eq!(
        (counters.faults, counters.successes),
        (1, 0),
        "{counters:?}"
    );
}

#[tokio::test]
async fn dropped_connections_and_gateway_errors_are_retried() {
    let kit = testkit();
    kit.inject(Fault {
        path: "/oidc/v1/token".into(),
        drop_connection: true,
        ..Default::default()
    });
    kit.inject(Fault {
        path: "/oidc/v1/token".into(),
        status: Some(502),
        ..Default::default()
    });
    let credential = sp_builder(&kit, sp_jwt(&kit)).build().unwrap();

    credential.token().await.unwrap();

    let counters = kit.counters();
    assert_eq!(
        (counters.faults, counters.successes),
        (2, 1),
        "{counters:?}"
    );
}

#[tokio::test]
async fn retries_stop_at_the_attempt_limit() {
    let kit = testkit();
    kit.inject(Fault {
        path: "/oidc/v1/token".into(),
        status: Some(429),
        count: 100,
        ..Default::default()
    });
    let credential = sp_builder(&kit, sp_jwt(&kit))
        .retry_policy(fast_retries().max_attempts(3))
        .build()
        .unwrap();

    let err = credential.token().await.unwrap_err();

    assert_eq!(err.status(), Some(429));
    assert_eq!(kit.counters().faults, 3);
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_transport_error_within_the_timeout() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener); // nothing listens there now
    let credential = dbfed::Credential::builder()
        .token_endpoint(format!("http://127.0.0.1:{port}/oidc/v1/token"))
        .audience("a")
        .source(dbfed::source::Fixed::new("x.y.z"))
        .retry_policy(fast_retries().max_attempts(2))
        .build()
        .unwrap();

    let err = credential.token().await.unwrap_err();

    assert!(
        matches!(
            err,
            Error::Transport {
                retryable: true,
                ..
            }
        ),
        "{err:?}"
    );
}
