//! Caching: single flight, warm reads, refresh ahead of expiry, stale-on-failure, invalidation.

use std::time::{Duration, Instant, SystemTime};

use dbfed_testkit::Fault;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_cold_callers_cause_one_exchange_and_warm_calls_none() {
    let kit = testkit();
    kit.inject(Fault {
        path: "/oidc/v1/token".into(),
        delay: Some(Duration::from_millis(200)),
        ..Default::default()
    }); // a slow exchange, so that all callers arrive while it is in flight
    let credential = sp_builder(&kit, sp_jwt(&kit)).build().unwrap();

    let callers: Vec<_> = (0..1000)
        .map(|_| {
            let credential = credential.clone();
            tokio::spawn(async move { credential.token().await })
        })
        .collect();
    let mut tokens = Vec::new();
    for caller in callers {
        tokens.push(caller.await.unwrap().unwrap());
    }

    assert!(tokens.iter().all(|token| token.same_as(&tokens[0])));
    assert_eq!(kit.counters().exchanges, 1);
    assert_eq!(credential.stats().exchanges, 1);

    for _ in 0..100_000 {
        credential.token().await.unwrap();
    }
    assert_eq!(kit.counters().exchanges, 1, "warm calls exchange nothing");
    assert!(credential.stats().cache_hits >= 100_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_lived_tokens_are_refreshed_in_the_background_before_expiry() {
    let kit = testkit();
    kit.update_settings(|settings| settings.token_lifetime = Duration::from_secs(3));
    let credential = sp_builder(&kit, sp_jwt(&kit)).build().unwrap();
    let first = credential.token().await.unwrap();

    let until = Instant::now() + Duration::from_secs(5);
    let mut replaced_before_expiry = false;
    while Instant::now() < until {
        let asked = SystemTime::now();
        let token = credential.token().await.unwrap();
        assert!(
            valid_when_asked(&token, asked),
            "a caller saw an expired token"
        );
        if !token.same_as(&first) && !first.is_expired() {
            replaced_before_expiry = true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    assert!(
        replaced_before_expiry,
        "the first token was replaced while still valid"
    );
    let stats = credential.stats();
    assert!(stats.refreshes >= 1, "{stats:?}");
    assert!(kit.counters().exchanges >= 2);
    assert!(
        kit.counters().exchanges <= 8,
        "about one exchange per half lifetime (3 s tokens count as 2 s), not one per call: {:?}",
        kit.counters()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_refresh_keeps_serving_the_valid_token_until_it_expires() {
    let kit = testkit();
    kit.update_settings(|settings| settings.token_lifetime = Duration::from_secs(3));
    let credential = sp_builder(&kit, sp_jwt(&kit)).build().unwrap();
    let first = credential.token().await.unwrap();
    kit.inject(Fault {
        path: "/oidc/v1/token".into(),
        status: Some(500),
        body: Some(r#"{"error":"server_error","error_description":"token service down"}"#.into()),
        count: 10_000,
        ..Default::default()
    });

    let mut surfaced = None;
    let give_up = Instant::now() + Duration::from_secs(6);
    while Instant::now() < give_up {
        // The still-valid token is served until its last moment, so it may expire right after.
        let asked = SystemTime::now();
        match credential.token().await {
            Ok(token) => {
                assert!(token.same_as(&first), "no new token can be had");
                assert!(
                    valid_when_asked(&token, asked),
                    "a caller saw an expired token"
                );
            }
            Err(err) => {
                assert!(
                    first.is_expired(),
                    "the error surfaced while the token was valid: {err}"
                );
                surfaced = Some(err);
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let err = surfaced.expect("the error surfaces once the token has expired");
    assert_eq!(err.status(), Some(500));
    assert!(err.to_string().contains("token service down"), "{err}");
    let stats = credential.stats();
    assert!(stats.failures >= 1 && stats.stale_served >= 1, "{stats:?}");
    assert!(
        kit.counters().faults < 100,
        "failed refreshes are throttled, not retried on every call: {:?}",
        kit.counters()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_callers_invalidating_the_same_token_cause_one_refresh() {
    let kit = testkit();
    let credential = sp_builder(&kit, sp_jwt(&kit)).build().unwrap();
    let rejected = credential.token().await.unwrap();

    let callers: Vec<_> = (0..100)
        .map(|_| {
            let credential = credential.clone();
            let rejected = rejected.clone();
            tokio::spawn(async move {
                credential.invalidate_token(&rejected);
                credential.token().await.unwrap()
            })
        })
        .collect();
    for caller in callers {
        let token = caller.await.unwrap();
        assert!(!token.same_as(&rejected));
    }

    assert_eq!(
        kit.counters().exchanges,
        2,
        "one exchange, then one refresh"
    );
}

/// When `token` expires, by the monotonic clock.
fn expiry_of(token: &dbfed::AccessToken) -> Instant {
    Instant::now() + token.remaining()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_too_short_to_use_is_refused_cold_and_never_replaces_a_longer_lived_one() {
    let kit = testkit();
    let short = |expires_in: f64, count: u32| Fault {
        path: "/oidc/v1/token".into(),
        status: Some(200),
        body: Some(format!(
            r#"{{"access_token":"dapi-short","token_type":"Bearer","expires_in":{expires_in}}}"#
        )),
        count,
        ..Default::default()
    };
    kit.inject(short(0.001, 1));
    let err = sp_builder(&kit, sp_jwt(&kit))
        .build()
        .unwrap()
        .token()
        .await
        .expect_err("a token valid for 1 ms is refused");
    assert_eq!(err.kind(), dbfed::ErrorKind::Malformed, "{err}");
    assert!(err.to_string().contains("expires_in 0.001"), "{err}");

    // Warm: 3-second tokens (counted as 2 s) refresh ahead after 1 s; the refreshes get tokens of
    // 1.2 s (counted as 0.6 s), which expire before the cached one until its last 0.6 s.
    kit.update_settings(|settings| settings.token_lifetime = Duration::from_secs(3));
    let credential = sp_builder(&kit, sp_jwt(&kit)).build().unwrap();
    let first = credential.token().await.unwrap();
    kit.inject(short(1.2, 10_000));
    let mut latest_expiry = expiry_of(&first);
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        let asked = SystemTime::now();
        let token = credential.token().await.unwrap();
        assert!(
            valid_when_asked(&token, asked),
            "a caller got an expired token"
        );
        let expiry = expiry_of(&token);
        assert!(
            expiry + Duration::from_millis(50) >= latest_expiry,
            "a token replaced one that outlives it by {:?}",
            latest_expiry - expiry
        );
        latest_expiry = latest_expiry.max(expiry);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(kit.counters().faults >= 1, "{:?}", kit.counters());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_refresh_never_holds_a_caller_past_the_tokens_expiry() {
    let kit = testkit();
    kit.update_settings(|settings| settings.token_lifetime = Duration::from_secs(3));
    let credential = sp_builder(&kit, sp_jwt(&kit)).build().unwrap();
    let first = credential.token().await.unwrap();
    kit.inject(Fault {
        path: "/oidc/v1/token".into(),
        delay: Some(Duration::from_secs(20)),
        count: 10_000,
        ..Default::default()
    });
    // Every call made while the token has time left gets it, still valid, however long the
    // refresh hangs: through the refresh-ahead and the must-refresh windows to its last instant.
    let mut calls_near_expiry = 0;
    while first.remaining() > Duration::from_millis(100) {
        let near_expiry = first.remaining() < Duration::from_millis(400);
        let asked = SystemTime::now();
        let token = credential.token().await.unwrap();
        assert!(
            token.same_as(&first),
            "the caller waited for the refresh past the token's end"
        );
        assert!(
            valid_when_asked(&token, asked),
            "a caller got an expired token"
        );
        calls_near_expiry += usize::from(near_expiry);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(calls_near_expiry >= 1, "no call was made near expiry");
    assert!(
        credential.stats().stale_served >= 1,
        "{:?}",
        credential.stats()
    );
}
