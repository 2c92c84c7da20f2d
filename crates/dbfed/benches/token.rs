//! Cached `token()` cost: the hot path every API call of a dbfed user goes through.
//!
//! Run: `cargo bench -p dbfed --bench token`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use dbfed::{Credential, source::Fixed};
use dbfed_testkit::{MintRequest, Policy, Testkit};

fn warm_credential(runtime: &tokio::runtime::Runtime, kit: &Testkit) -> Credential {
    kit.add_policy(Policy {
        client_id: Some("bench-sp".into()),
        issuer: kit.issuer(),
        audiences: vec!["bench".into()],
        subject: Some("bench".into()),
        subject_claim: None,
    });
    let jwt = kit.mint(MintRequest {
        sub: "bench".into(),
        aud: vec!["bench".into()],
        ..MintRequest::default()
    });
    let _guard = runtime.enter();
    let credential = Credential::builder()
        .workspace(kit.url())
        .client_id("bench-sp")
        .source(Fixed::new(jwt))
        .build()
        .expect("valid configuration");
    runtime
        .block_on(credential.token())
        .expect("the testkit issues a token");
    credential
}

fn cached_token(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let kit = Testkit::start();
    let credential = warm_credential(&runtime, &kit);

    c.bench_function("cached_token (sync read)", |b| {
        b.iter(|| black_box(credential.cached_token()))
    });
    c.bench_function("token().await on a warm cache", |b| {
        b.iter_custom(|iterations| {
            runtime.block_on(async {
                let started = Instant::now();
                for _ in 0..iterations {
                    black_box(credential.token().await.expect("cached"));
                }
                started.elapsed()
            })
        })
    });
    assert_eq!(
        kit.counters().exchanges,
        1,
        "the benchmark measured cache hits only"
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = cached_token
}
criterion_main!(benches);
