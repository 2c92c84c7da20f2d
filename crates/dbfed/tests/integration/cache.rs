//! Caching: single flight, warm reads, refresh ahead of expiry, stale-on-failure, invalidation.

use std::time::{Duration, Instant};

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
        let token = credential.token().await.unwrap();
        assert!(!token.is_expired(), "a caller saw an expired token");
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
        match credential.token().await {
            Ok(token) => {
                assert!(token.same_as(&first), "no new token can be had");
                assert!(!token.is_expired(), "a caller saw an expired token");
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
