//! Cached `token_for` cost with many users, and the memory each cached user takes.
//!
//! Run: `cargo bench -p dbfed --bench users` (100,000 users; 1,000 when run as a test).
//!
//! Every user has a distinct 1 KB JWT; all are exchanged against the testkit first, then the
//! lookups are measured in a shuffled order (hash of the JWT, map lookup, clone of the token):
//! with the JWT in the CPU cache, as a request handler that just read it holds it (each call
//! timed alone, so one `Instant::now()` is included), and without (the JWTs of 100,000 users
//! take 100 MB, so a random one is read from memory).
//! Memory per user is the growth of live heap bytes, counted by this binary's global
//! allocator, between before the users were cached and after (with the testkit's own records
//! of the exchanges cleared), divided by the number of users.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use dbfed::UserExchanger;
use dbfed_testkit::{Alg, MintRequest, Policy, Testkit};
use futures::StreamExt;
use sha2::{Digest, Sha256};

/// The system allocator, counting the bytes currently allocated.
struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

fn size(layout: Layout) -> isize {
    isize::try_from(layout.size()).unwrap_or(isize::MAX)
}

// SAFETY: every call is forwarded to the system allocator unchanged; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(size(layout), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(size(layout), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(size(layout), Ordering::Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let grown = isize::try_from(new_size).unwrap_or(isize::MAX) - size(layout);
        LIVE_BYTES.fetch_add(grown, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The length of every user's JWT.
const JWT_BYTES: usize = 1024;

/// 100,000 users under `cargo bench`; 1,000 when the bench runs as a test.
fn user_count() -> usize {
    if std::env::args().any(|arg| arg == "--bench") {
        100_000
    } else {
        1_000
    }
}

/// A user's JWT, padded to `JWT_BYTES` (ES256: the signature has a fixed length).
fn mint_user(kit: &Testkit, index: usize, padding: usize) -> String {
    let mut extra_claims = serde_json::Map::new();
    extra_claims.insert("email".into(), format!("user{index:06}@example.com").into());
    extra_claims.insert("pad".into(), "x".repeat(padding).into());
    kit.mint(MintRequest {
        sub: format!("user-{index:06}"),
        aud: vec![kit.account_id()],
        alg: Alg::Es256,
        extra_claims,
        ..MintRequest::default()
    })
}

/// The padding that makes a user's JWT `JWT_BYTES` long.
fn padding_for_one_kilobyte(kit: &Testkit) -> usize {
    let mut padding = 0;
    loop {
        let length = mint_user(kit, 0, padding).len();
        if length >= JWT_BYTES {
            return padding;
        }
        // Base64url: four characters for every three bytes of payload.
        padding += ((JWT_BYTES - length) * 3 / 4).max(1);
    }
}

fn users(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let kit = Testkit::start();
    kit.add_policy(Policy {
        client_id: None,
        issuer: kit.issuer(),
        audiences: vec![],
        subject: None,
        subject_claim: Some("email".into()),
    });
    let count = user_count();
    let padding = padding_for_one_kilobyte(&kit);
    let jwts: Vec<String> = (0..count).map(|i| mint_user(&kit, i, padding)).collect();
    assert!(jwts.iter().all(|jwt| jwt.len() == jwts[0].len()));
    // A shuffled visiting order, so lookups do not walk the map in insertion order.
    let mut order: Vec<usize> = (0..count).collect();
    fastrand::Rng::with_seed(7).shuffle(&mut order);

    let before = LIVE_BYTES.load(Ordering::SeqCst);
    let exchanger = {
        let _guard = runtime.enter();
        UserExchanger::builder()
            .workspace(kit.url())
            .max_users(count)
            .build()
            .expect("valid configuration")
    };
    let started = Instant::now();
    runtime.block_on(async {
        let mut calls = futures::stream::iter(&jwts)
            .map(|jwt| exchanger.token_for(jwt))
            .buffer_unordered(64);
        while let Some(token) = calls.next().await {
            token.expect("the testkit issues a token");
        }
    });
    let populated_in = started.elapsed();
    kit.reset(); // the testkit's records of 100,000 exchanges are not the cache's memory
    let after = LIVE_BYTES.load(Ordering::SeqCst);
    let per_user = (after - before) / isize::try_from(count).unwrap_or(isize::MAX);
    println!(
        "{count} users of {} B JWTs cached in {populated_in:?}; live heap grew by {} B: {per_user} B per cached user",
        jwts[0].len(),
        after - before
    );

    let mut next = 0;
    let mut next_jwt = || {
        next = (next + 1) % count;
        &jwts[order[next]]
    };
    // A request handler holds the JWT it just read from the request: in the CPU cache. The
    // copy below puts it there, outside the timed part of each call.
    let mut request_jwt = String::with_capacity(JWT_BYTES);
    c.bench_function(
        &format!("token_for().await, random one of {count} users, JWT just received"),
        |b| {
            b.iter_custom(|iterations| {
                runtime.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iterations {
                        request_jwt.clear();
                        request_jwt.push_str(next_jwt());
                        let started = Instant::now();
                        black_box(exchanger.token_for(&request_jwt).await.expect("cached"));
                        total += started.elapsed();
                    }
                    total
                })
            })
        },
    );
    c.bench_function(
        &format!("cached_token_for (sync), random one of {count} users, JWT just received"),
        |b| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    request_jwt.clear();
                    request_jwt.push_str(next_jwt());
                    let started = Instant::now();
                    black_box(exchanger.cached_token_for(&request_jwt).expect("cached"));
                    total += started.elapsed();
                }
                total
            })
        },
    );
    c.bench_function(
        &format!("token_for().await, the same one of {count} users again and again"),
        |b| {
            let jwt = jwts[order[0]].clone();
            b.iter_custom(|iterations| {
                runtime.block_on(async {
                    let started = Instant::now();
                    for _ in 0..iterations {
                        black_box(exchanger.token_for(&jwt).await.expect("cached"));
                    }
                    started.elapsed()
                })
            })
        },
    );
    c.bench_function(
        "SHA-256 of a 1 KB JWT just received (part of every call)",
        |b| {
            request_jwt.clear();
            request_jwt.push_str(next_jwt());
            b.iter(|| black_box(Sha256::digest(black_box(&request_jwt).as_bytes())))
        },
    );
    c.bench_function(
        "Instant::now() (timing overhead included once in each call above)",
        |b| b.iter(|| black_box(Instant::now())),
    );
    c.bench_function(
        &format!("token_for().await, random one of {count} users, JWT not in CPU cache"),
        |b| {
            b.iter_custom(|iterations| {
                runtime.block_on(async {
                    let started = Instant::now();
                    for _ in 0..iterations {
                        let jwt = next_jwt();
                        black_box(exchanger.token_for(jwt).await.expect("cached"));
                    }
                    started.elapsed()
                })
            })
        },
    );

    let stats = exchanger.stats();
    assert_eq!(
        stats.exchanges, count as u64,
        "the benchmark measured cache hits only: {stats:?}"
    );
    assert_eq!(
        (stats.entries, stats.evictions),
        (count as u64, 0),
        "{stats:?}"
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = users
}
criterion_main!(benches);
