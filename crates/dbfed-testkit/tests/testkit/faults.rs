//! Fault injection.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use dbfed_testkit::{Fault, Testkit};
use reqwest::StatusCode;
use reqwest::header::{LOCATION, RETRY_AFTER};

use crate::support::*;

/// A testkit that accepts `sp_token`, and the form to exchange it.
fn ready() -> (Testkit, Vec<(String, String)>) {
    let testkit = Testkit::start();
    testkit.add_policy(sp_policy(&testkit));
    let form = exchange_form(&sp_token(&testkit), Some(SP_CLIENT_ID));
    (testkit, form)
}

#[tokio::test]
async fn status_fault_with_retry_after_then_normal_service() {
    let (testkit, form) = ready();
    testkit.inject(Fault {
        count: 2,
        status: Some(503),
        retry_after: Some("2".into()),
        ..Fault::default()
    });
    let endpoint = testkit.workspace_token_endpoint();

    for _ in 0..2 {
        let response = client()
            .post(&endpoint)
            .form(&form)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[RETRY_AFTER], "2");
        let body: serde_json::Value = response.json().await.expect("JSON");
        assert_eq!(body["error"], "temporarily_unavailable");
    }
    let (status, _) = post_form(&endpoint, &form).await;
    assert_eq!(status, StatusCode::OK);

    let counters = testkit.counters();
    assert_eq!(
        (
            counters.exchanges,
            counters.faults,
            counters.successes,
            counters.rejections
        ),
        (3, 2, 1, 0)
    );
    let recorded = testkit.exchanges();
    assert_eq!(recorded.len(), 3);
    assert!(recorded.iter().all(|exchange| exchange.form == form));
}

#[tokio::test]
async fn custom_body_without_status_is_a_200() {
    let (testkit, form) = ready();
    testkit.inject(Fault {
        path: "/oidc/v1/token".into(),
        body: Some("<html>login</html>".into()),
        content_type: Some("text/html".into()),
        ..Fault::default()
    });

    let response = client()
        .post(testkit.workspace_token_endpoint())
        .form(&form)
        .send()
        .await
        .expect("request");

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/html");
    assert_eq!(response.text().await.expect("body"), "<html>login</html>");
}

#[tokio::test]
async fn dropped_connection_gets_no_response() {
    let (testkit, form) = ready();
    testkit.inject(Fault {
        drop_connection: true,
        ..Fault::default()
    });
    let endpoint = testkit.workspace_token_endpoint();

    let error = client()
        .post(&endpoint)
        .form(&form)
        .send()
        .await
        .expect_err("the connection is dropped");
    assert!(error.is_request() || error.is_connect(), "{error:?}");

    let (status, _) = post_form(&endpoint, &form).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(testkit.counters().faults, 1);
}

#[test]
fn dropped_connection_sends_not_a_single_byte() {
    let testkit = Testkit::start();
    testkit.inject(Fault {
        drop_connection: true,
        ..Fault::default()
    });
    let address = testkit.url().trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("read timeout");
    stream
        .write_all(b"POST /oidc/v1/token HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        .expect("send request");

    let mut received = Vec::new();
    let outcome = stream.read_to_end(&mut received);

    assert!(
        received.is_empty(),
        "got {:?}",
        String::from_utf8_lossy(&received)
    );
    if let Err(error) = outcome {
        assert_ne!(
            error.kind(),
            std::io::ErrorKind::WouldBlock,
            "no close within 5 s"
        );
        assert_ne!(
            error.kind(),
            std::io::ErrorKind::TimedOut,
            "no close within 5 s"
        );
    }
}

#[test]
fn never_read_holds_a_request_unread_until_the_testkit_stops_and_spares_the_rest() {
    let testkit = Testkit::start();
    testkit.inject(Fault {
        never_read: true,
        ..Fault::default()
    });
    let address = testkit.url().trim_start_matches("http://").to_owned();
    let send = |path: &str| {
        let mut stream = TcpStream::connect(&address).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(2)))
            .expect("read timeout");
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).expect("send request");
        stream
    };
    let answer = |mut stream: TcpStream| {
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("an answer");
        answer
    };

    // Another path, then the control API, are answered; the fault waits for its path.
    assert!(answer(send("/.well-known/databricks-config")).starts_with("HTTP/1.1 200"));
    assert_eq!(testkit.counters().faults, 0);
    let mut held = send("/oidc/.well-known/oauth-authorization-server");
    let mut received = [0u8; 1];
    let unread = held.read(&mut received).expect_err("no answer, no close");
    assert!(
        matches!(
            unread.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{unread:?}"
    );
    assert_eq!(testkit.counters().faults, 1);
    let next = answer(send("/oidc/.well-known/oauth-authorization-server"));
    assert!(
        next.starts_with("HTTP/1.1 200"),
        "the next request is served: {next}"
    );

    drop(testkit);
    held.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let closed = held.read(&mut received);
    assert!(
        matches!(closed, Ok(0))
            || matches!(&closed, Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset),
        "closed when the testkit stops: {closed:?}"
    );
}

#[tokio::test]
async fn never_read_holds_a_request_on_a_kept_alive_connection_too() {
    let testkit = Testkit::start();
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(2))
        .pool_max_idle_per_host(1)
        .build()
        .unwrap();
    let get = |path: &str| client.get(format!("{}{path}", testkit.url())).send();
    let discovery = "/oidc/.well-known/oauth-authorization-server";
    assert_eq!(
        get("/.well-known/databricks-config")
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    testkit.inject(Fault {
        never_read: true,
        ..Fault::default()
    });
    // The pooled connection's next request is the one held.
    let held = get(discovery).await.expect_err("held unanswered");
    assert!(held.is_timeout(), "{held:?}");
    assert_eq!(testkit.counters().faults, 1);
    assert_eq!(get(discovery).await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn delay_only_fault_slows_down_normal_handling() {
    let (testkit, form) = ready();
    testkit.inject(Fault {
        delay: Some(Duration::from_millis(300)),
        ..Fault::default()
    });

    let started = Instant::now();
    let (status, _) = post_form(&testkit.workspace_token_endpoint(), &form).await;

    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(testkit.counters().faults, 1);
}

#[tokio::test]
async fn long_delay_trips_client_timeout_and_drop_does_not_wait_for_it() {
    let (testkit, form) = ready();
    testkit.inject(Fault {
        delay: Some(Duration::from_secs(30)),
        status: Some(503),
        ..Fault::default()
    });
    let timed_out = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(200))
        .build()
        .expect("client");

    let error = timed_out
        .post(testkit.workspace_token_endpoint())
        .form(&form)
        .send()
        .await
        .expect_err("times out");
    assert!(error.is_timeout(), "{error:?}");

    let started = Instant::now();
    drop(testkit);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn body_bytes_fault_sends_a_large_200() {
    let (testkit, form) = ready();
    testkit.inject(Fault {
        body_bytes: Some(3 * 1024 * 1024),
        ..Fault::default()
    });

    let response = client()
        .post(testkit.workspace_token_endpoint())
        .form(&form)
        .send()
        .await
        .expect("request");

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.expect("body").len(), 3 * 1024 * 1024);
}

#[tokio::test]
async fn redirect_fault_sends_location() {
    let (testkit, form) = ready();
    testkit.inject(Fault {
        redirect_to: Some("https://elsewhere.example/token".into()),
        ..Fault::default()
    });
    testkit.inject(Fault {
        redirect_to: Some("/moved".into()),
        status: Some(302),
        ..Fault::default()
    });

    for expected in [StatusCode::TEMPORARY_REDIRECT, StatusCode::FOUND] {
        let response = client()
            .post(testkit.workspace_token_endpoint())
            .form(&form)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), expected);
        assert!(response.headers().contains_key(LOCATION));
    }
}

#[tokio::test]
async fn faults_match_by_path_prefix_and_spare_the_control_api() {
    let (testkit, form) = ready();
    testkit.inject(Fault {
        path: "/api/".into(),
        status: Some(500),
        ..Fault::default()
    });
    testkit.inject(Fault {
        path: "/".into(),
        status: Some(429),
        ..Fault::default()
    });

    let (status, _) = get_json(&format!("{}/_testkit/counters", testkit.url())).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = post_form(&testkit.workspace_token_endpoint(), &form).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let (status, body) = post_form(&testkit.workspace_token_endpoint(), &form).await;
    assert_eq!(status, StatusCode::OK);
    let token = body["access_token"].as_str().expect("access_token");
    let (status, _) = call_me(&testkit, token).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let (status, _) = call_me(&testkit, token).await;
    assert_eq!(status, StatusCode::OK);
}

#[test]
#[should_panic(expected = "fault count must be at least 1")]
fn invalid_fault_is_refused() {
    Testkit::start().inject(Fault {
        count: 0,
        ..Fault::default()
    });
}
