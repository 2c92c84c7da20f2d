//! Acting for signed-in users: each user's own token, single flight per user, a bounded cache,
//! local checks before any request, and the negative cache.

use std::time::{Duration, Instant, SystemTime};

use dbfed::{Error, UserExchanger, UserExchangerBuilder};
use dbfed_testkit::{Alg, Fault, MintRequest, Testkit};
use futures::{StreamExt, TryStreamExt};

use crate::common::*;

fn exchanger(kit: &Testkit) -> UserExchangerBuilder {
    UserExchanger::builder()
        .workspace(kit.url())
        .retry_policy(fast_retries())
}

/// A user's JWT signed with ES256 (fast to mint by the thousand).
fn quick_user_jwt(kit: &Testkit, email: &str) -> String {
    let mut extra_claims = serde_json::Map::new();
    extra_claims.insert("email".into(), email.into());
    kit.mint(MintRequest {
        sub: format!("user-{email}"),
        aud: vec![kit.account_id()],
        alg: Alg::Es256,
        extra_claims,
        ..MintRequest::default()
    })
}

fn subject_tokens_sent(kit: &Testkit) -> Vec<String> {
    kit.exchanges()
        .into_iter()
        .filter_map(|exchange| {
            exchange
                .form
                .into_iter()
                .find(|(name, _)| name == "subject_token")
                .map(|(_, value)| value)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_users_never_get_each_others_token() {
    let kit = testkit();
    let exchanger = exchanger(&kit).build().unwrap();
    let users = [
        ("alice@example.com", user_jwt(&kit, "alice@example.com")),
        ("bob@example.com", user_jwt(&kit, "bob@example.com")),
    ];

    let calls: Vec<_> = (0..200)
        .map(|i| {
            let exchanger = exchanger.clone();
            let (name, jwt) = users[i % 2].clone();
            tokio::spawn(async move { (name, exchanger.token_for(&jwt).await.unwrap()) })
        })
        .collect();
    let mut seen = Vec::new();
    for call in calls {
        seen.push(call.await.unwrap());
    }

    for (name, token) in &seen {
        let (status, me) = call_me(&kit, token).await;
        assert_eq!(status, 200, "{me}");
        assert_eq!(me["userName"], *name, "the API acts as the user who asked");
        for (other_name, other_token) in &seen {
            assert_eq!(name == other_name, token.same_as(other_token));
        }
    }
    assert_eq!(kit.counters().exchanges, 2, "one exchange per user");
    let sent = subject_tokens_sent(&kit);
    assert!(sent.contains(&users[0].1) && sent.contains(&users[1].1));
    let endpoints = exchanger.endpoints().await.unwrap();
    assert_eq!(endpoints.token_endpoint, kit.workspace_token_endpoint());
    let stats = exchanger.stats();
    assert_eq!((stats.entries, stats.exchanges), (2, 2), "{stats:?}");
    assert!(stats.hits + stats.misses == 200, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_calls_for_one_user_cause_one_exchange() {
    let kit = testkit();
    kit.inject(Fault {
        path: "/oidc/v1/token".into(),
        delay: Some(Duration::from_millis(200)),
        ..Default::default()
    }); // a slow exchange, so that all callers arrive while it is in flight
    let exchanger = exchanger(&kit).build().unwrap();
    let jwt = user_jwt(&kit, "carol@example.com");

    let calls: Vec<_> = (0..1000)
        .map(|_| {
            let exchanger = exchanger.clone();
            let jwt = jwt.clone();
            tokio::spawn(async move { exchanger.token_for(&jwt).await })
        })
        .collect();
    let mut tokens = Vec::new();
    for call in calls {
        tokens.push(call.await.unwrap().unwrap());
    }

    assert!(tokens.iter().all(|token| token.same_as(&tokens[0])));
    assert_eq!(kit.counters().exchanges, 1);
    for _ in 0..10_000 {
        assert!(exchanger.cached_token_for(&jwt).is_some());
    }
    let stats = exchanger.stats();
    assert_eq!((stats.exchanges, stats.entries), (1, 1), "{stats:?}");
    assert!(stats.hits >= 10_000, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_users_with_a_thousand_entry_cap_keep_the_cache_within_it() {
    let kit = testkit();
    let exchanger = exchanger(&kit).max_users(1000).build().unwrap();
    let jwts: Vec<String> = (0..10_000)
        .map(|i| quick_user_jwt(&kit, &format!("user{i}@example.com")))
        .collect();

    let mut largest = 0;
    let mut calls = futures::stream::iter(&jwts)
        .map(|jwt| exchanger.token_for(jwt))
        .buffer_unordered(32);
    while let Some(token) = calls.try_next().await.unwrap() {
        assert!(!token.is_expired());
        largest = largest.max(exchanger.stats().entries);
    }
    drop(calls);

    let stats = exchanger.stats();
    assert!(largest <= 1000, "the cache grew to {largest} entries");
    assert_eq!(stats.entries, 1000, "{stats:?}");
    assert_eq!(stats.evictions, 9000, "{stats:?}");
    assert_eq!(stats.exchanges, 10_000, "{stats:?}");
    assert_eq!(kit.counters().successes, 10_000);
    assert!(
        exchanger.cached_token_for(&jwts[9999]).is_some(),
        "recent users stay"
    );
    assert!(
        exchanger.cached_token_for(&jwts[0]).is_none(),
        "the least recent go"
    );
}

#[tokio::test]
async fn an_expired_user_jwt_is_refused_locally_with_a_clear_error() {
    let kit = testkit();
    let exchanger = exchanger(&kit).build().unwrap();
    let expired = kit.mint(MintRequest {
        sub: "user-dave".into(),
        aud: vec![kit.account_id()],
        expired: true,
        ..MintRequest::default()
    });

    let err = exchanger.token_for(&expired).await.unwrap_err();

    assert!(matches!(err, Error::Source { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("user-jwt") && message.contains("expired at"),
        "{message}"
    );
    assert!(!message.contains(&expired), "the JWT leaked: {message}");
    assert_eq!(kit.counters().exchanges, 0, "refused without a request");
    let stats = exchanger.stats();
    assert_eq!((stats.refused, stats.entries), (1, 0), "{stats:?}");
}

#[tokio::test]
async fn garbage_and_unexpected_issuers_or_audiences_are_refused_without_a_request() {
    let kit = testkit();
    let exchanger = exchanger(&kit)
        .expected_issuer(kit.issuer())
        .expected_audience(kit.account_id())
        .build()
        .unwrap();
    let foreign_issuer = kit.mint(MintRequest {
        sub: "mallory".into(),
        aud: vec![kit.account_id()],
        iss: Some("https://evil.example.com".into()),
        ..MintRequest::default()
    });
    let foreign_audience = kit.mint(MintRequest {
        sub: "mallory".into(),
        aud: vec!["some-other-api".into()],
        ..MintRequest::default()
    });

    for (jwt, why) in [
        ("not a jwt".to_owned(), "not a JWT"),
        ("a.b.c".to_owned(), "not a JWT"),
        (foreign_issuer, "issuer \"https://evil.example.com\""),
        (foreign_audience, "audience [\"some-other-api\"]"),
    ] {
        let err = exchanger.token_for(&jwt).await.unwrap_err();
        assert!(matches!(err, Error::Source { .. }), "{err:?}");
        assert!(err.to_string().contains(why), "{err}");
    }
    assert_eq!(kit.counters().exchanges, 0);
    let good = exchanger
        .token_for(&user_jwt(&kit, "erin@example.com"))
        .await
        .unwrap();
    assert_eq!(call_me(&kit, &good).await.1["userName"], "erin@example.com");
    assert_eq!(exchanger.stats().refused, 4);
}

#[tokio::test]
async fn a_rejected_jwt_is_not_cached_and_the_negative_cache_spares_the_endpoint() {
    let kit = testkit();
    // Valid signature and audience, but no `email` claim: the account-wide policy rejects it.
    let rejected = kit.mint(MintRequest {
        sub: "frank".into(),
        aud: vec![kit.account_id()],
        ..MintRequest::default()
    });

    let plain = exchanger(&kit).build().unwrap();
    for _ in 0..2 {
        let err = plain.token_for(&rejected).await.unwrap_err();
        assert_eq!(err.status(), Some(400), "{err}");
    }
    assert_eq!(kit.counters().exchanges, 2, "every call asks again");
    let stats = plain.stats();
    assert_eq!((stats.entries, stats.failures), (0, 2), "{stats:?}");

    let remembering = exchanger(&kit)
        .negative_cache(Duration::from_secs(60))
        .build()
        .unwrap();
    let first = remembering.token_for(&rejected).await.unwrap_err();
    let second = remembering.token_for(&rejected).await.unwrap_err();
    assert_eq!(first.to_string(), second.to_string());
    assert!(second.to_string().contains("email"), "{second}");
    assert_eq!(
        kit.counters().exchanges,
        3,
        "the second call was answered locally"
    );
    assert_eq!(remembering.stats().refused, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_token_is_not_served_past_the_user_jwt_expiry() {
    let kit = testkit();
    let exchanger = exchanger(&kit).build().unwrap();
    let mut extra_claims = serde_json::Map::new();
    extra_claims.insert("email".into(), "grace@example.com".into());
    let short_jwt = kit.mint(MintRequest {
        sub: "user-grace".into(),
        aud: vec![kit.account_id()],
        lifetime: Some(Duration::from_secs(2)),
        extra_claims,
        ..MintRequest::default()
    });
    let started = Instant::now();
    let token = exchanger.token_for(&short_jwt).await.unwrap();
    assert!(
        token.remaining() > Duration::from_secs(3000),
        "the Databricks token outlives the JWT"
    );
    assert!(exchanger.cached_token_for(&short_jwt).is_some());

    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(started.elapsed() >= Duration::from_secs(3));
    assert!(exchanger.cached_token_for(&short_jwt).is_none());
    let err = exchanger.token_for(&short_jwt).await.unwrap_err();
    assert!(err.to_string().contains("expired at"), "{err}");
    assert_eq!(kit.counters().exchanges, 1);
    assert_eq!(exchanger.stats().entries, 0, "the expired user was dropped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_short_lived_token_is_refreshed_with_that_users_jwt() {
    let kit = testkit();
    kit.update_settings(|settings| settings.token_lifetime = Duration::from_secs(2));
    let exchanger = exchanger(&kit).build().unwrap();
    let jwt = user_jwt(&kit, "heidi@example.com");
    let first = exchanger.token_for(&jwt).await.unwrap();

    let until = Instant::now() + Duration::from_secs(4);
    let mut replaced = false;
    while Instant::now() < until {
        let asked = SystemTime::now();
        let token = exchanger.token_for(&jwt).await.unwrap();
        assert!(
            valid_when_asked(&token, asked),
            "a caller saw an expired token"
        );
        replaced |= !token.same_as(&first);
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    assert!(replaced);
    let sent = subject_tokens_sent(&kit);
    assert!(sent.len() >= 2 && sent.iter().all(|sent| *sent == jwt));
    assert_eq!(exchanger.stats().entries, 1);
}

#[tokio::test]
async fn invalidating_a_users_rejected_token_causes_one_new_exchange() {
    let kit = testkit();
    let exchanger = exchanger(&kit).build().unwrap();
    let jwt = user_jwt(&kit, "ivan@example.com");
    let token = exchanger.token_for(&jwt).await.unwrap();

    assert!(exchanger.invalidate_token_for(&jwt, &token));
    assert!(!exchanger.invalidate_token_for(&jwt, &token));
    let next = exchanger.token_for(&jwt).await.unwrap();

    assert!(!next.same_as(&token));
    assert_eq!(kit.counters().exchanges, 2);
}
