//! Soak: `token()` called without pause from OS threads and async tasks for minutes, against
//! the testkit issuing 2-second tokens while faults are injected every 250 ms. Prints one JSON
//! line: calls, errors, expired tokens handed out, exchanges, and RSS at start and end.
//!
//! `cargo run --release -p dbfed --example soak -- [seconds]` (default 300; `--smoke` for 5 s).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use dbfed::{Credential, RetryPolicy, source};
use dbfed_testkit::{Fault, MintRequest, Policy, Testkit};

const CLIENT_ID: &str = "0b3b3c3e-1111-4222-8333-5a5a5a5a5a5a";
const SUBJECT: &str = "repo:acme/pipelines:environment:prod";
const AUDIENCE: &str = "https://github.com/acme";
/// OS threads calling the blocking way, and async tasks calling on the runtime.
const THREADS: usize = 4;
const TASKS: usize = 64;

/// What every caller counts.
#[derive(Default)]
struct Tally {
    calls: AtomicU64,
    errors: AtomicU64,
    expired: AtomicU64,
}

impl Tally {
    /// Counts one call's outcome; `asked` is when the call was made (a token valid then but
    /// expired by the time it is looked at was handed out in time).
    fn record(&self, outcome: dbfed::Result<dbfed::AccessToken>, asked: SystemTime) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        match outcome {
            Ok(token) if token.expires_at() <= asked => {
                self.expired.fetch_add(1, Ordering::Relaxed);
            }
            Ok(_) => {}
            Err(_) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// The resident set size of this process, in KiB.
fn rss_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .unwrap_or(0);
    pages * 4
}

/// The faults injected in turn: server errors, throttling, drops, slow answers.
fn faults() -> Vec<Fault> {
    let at_token = |fault: Fault| Fault {
        path: "/oidc/v1/token".into(),
        ..fault
    };
    vec![
        at_token(Fault {
            status: Some(500),
            ..Fault::default()
        }),
        at_token(Fault {
            status: Some(503),
            retry_after: Some("1".into()),
            ..Fault::default()
        }),
        at_token(Fault {
            status: Some(429),
            ..Fault::default()
        }),
        at_token(Fault {
            drop_connection: true,
            ..Fault::default()
        }),
        at_token(Fault {
            delay: Some(Duration::from_millis(300)),
            ..Fault::default()
        }),
        at_token(Fault {
            status: Some(502),
            body: Some("<html>bad gateway</html>".into()),
            content_type: Some("text/html".into()),
            ..Fault::default()
        }),
    ]
}

fn main() {
    let seconds = match std::env::args().nth(1).as_deref() {
        Some("--smoke") => 5,
        Some(seconds) => seconds.parse().expect("seconds: a whole number"),
        None => 300,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let kit = Testkit::start();
    kit.update_settings(|settings| settings.token_lifetime = Duration::from_secs(2));
    kit.add_policy(Policy {
        client_id: Some(CLIENT_ID.into()),
        issuer: kit.issuer(),
        audiences: vec![AUDIENCE.into()],
        subject: Some(SUBJECT.into()),
        subject_claim: None,
    });
    let jwt = kit.mint(MintRequest {
        sub: SUBJECT.into(),
        aud: vec![AUDIENCE.into()],
        lifetime: Some(Duration::from_secs(seconds + 3600)),
        ..MintRequest::default()
    });
    let credential = Credential::builder()
        .workspace(kit.url())
        .client_id(CLIENT_ID)
        .source(source::Fixed::new(jwt))
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(20))
                .max_backoff(Duration::from_millis(200))
                .total_budget(Duration::from_secs(1)),
        )
        .runtime(runtime.handle().clone())
        .build()
        .expect("a credential");
    runtime.block_on(credential.token()).expect("a first token");

    let rss_start = rss_kib();
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let tally = Arc::new(Tally::default());

    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (credential, tally) = (credential.clone(), tally.clone());
            runtime.spawn(async move {
                while Instant::now() < until {
                    let asked = SystemTime::now();
                    tally.record(credential.token().await, asked);
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (credential, tally) = (credential.clone(), tally.clone());
            let handle = runtime.handle().clone();
            std::thread::spawn(move || {
                while Instant::now() < until {
                    let asked = SystemTime::now();
                    tally.record(handle.block_on(credential.token()), asked);
                }
            })
        })
        .collect();
    for fault in faults().into_iter().cycle() {
        if Instant::now() >= until {
            break;
        }
        kit.inject(fault);
        std::thread::sleep(Duration::from_millis(250));
    }
    for thread in threads {
        thread.join().expect("a caller thread");
    }
    for task in tasks {
        runtime.block_on(task).expect("a caller task");
    }
    let elapsed = started.elapsed();
    let rss_end = rss_kib();
    let stats = credential.stats();
    let counters = kit.counters();
    let report = serde_json::json!({
        "seconds": elapsed.as_secs_f64(),
        "calls": tally.calls.load(Ordering::Relaxed),
        "errors": tally.errors.load(Ordering::Relaxed),
        "expired_handed_out": tally.expired.load(Ordering::Relaxed),
        "exchanges": counters.exchanges,
        "faults_hit": counters.faults,
        "refreshes": stats.refreshes,
        "stale_served": stats.stale_served,
        "rss_kib_start": rss_start,
        "rss_kib_end": rss_end,
    });
    println!("{report}");
}
