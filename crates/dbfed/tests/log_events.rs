//! `dbfed::log_events` against the testkit (its own test binary: it installs the global
//! subscriber): the level a sink asked for, records in order, and no secret at TRACE.
#![cfg(feature = "log-events")]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dbfed::log_events::{self, LogRecord, LogSink};
use dbfed::{Credential, RetryPolicy};
use dbfed_testkit::{Fault, MintRequest, Policy, Testkit};
use tracing::Level;
use tracing::level_filters::LevelFilter;

#[derive(Default)]
struct Collected(Mutex<Vec<LogRecord>>);

impl LogSink for Collected {
    fn deliver(&self, record: LogRecord) {
        self.0.lock().unwrap().push(record);
    }
}

impl Collected {
    /// The records once one holds `text` (10 s at most: they arrive from another thread).
    fn until(&self, text: &str) -> Vec<LogRecord> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let records = self.0.lock().unwrap().clone();
            if records.iter().any(|record| record.message.contains(text)) {
                return records;
            }
            assert!(
                Instant::now() < deadline,
                "no record with {text:?} in {records:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

#[tokio::test]
async fn records_come_at_the_sinks_level_in_order_and_without_secrets() {
    let kit = Testkit::start();
    kit.add_policy(Policy {
        client_id: Some("log-sp".into()),
        issuer: kit.issuer(),
        audiences: vec!["log-aud".into()],
        subject: Some("log-sub".into()),
        subject_claim: None,
    });
    let jwt = kit.mint(MintRequest {
        sub: "log-sub".into(),
        aud: vec!["log-aud".into()],
        ..MintRequest::default()
    });
    let credential = |client_id: &str| {
        Credential::builder()
            .workspace(kit.url())
            .client_id(client_id)
            .source(dbfed::source::Fixed::new(jwt.clone()))
            .retry_policy(RetryPolicy::default().max_attempts(1))
            .build()
            .unwrap()
    };

    let warnings = Arc::new(Collected::default());
    log_events::forward_to(Some(warnings.clone()), LevelFilter::WARN).unwrap();
    let token = credential("log-sp").token().await.unwrap();
    credential("warn-probe").token().await.unwrap_err();
    let records = warnings.until("'warn-probe'");
    assert!(
        records.iter().all(|record| record.level <= Level::WARN),
        "{records:?}"
    );
    let failure = records.last().unwrap();
    assert_eq!(
        (failure.logger.as_str(), failure.level),
        ("dbfed.cache", Level::WARN)
    );
    assert!(
        failure.message.starts_with("token fetch failed error="),
        "{failure:?}"
    );

    let everything = Arc::new(Collected::default());
    log_events::forward_to(Some(everything.clone()), LevelFilter::TRACE).unwrap();
    kit.inject(Fault {
        status: Some(503),
        ..Fault::default()
    });
    credential("log-sp").token().await.unwrap_err();
    let second = credential("log-sp").token().await.unwrap();
    credential("trace-probe").token().await.unwrap_err();
    let records = everything.until("'trace-probe'");
    assert!(
        records.iter().any(|record| record.level == Level::DEBUG),
        "{records:?}"
    );
    let signature = jwt.rsplit('.').next().unwrap();
    for record in &records {
        for secret in [jwt.as_str(), signature, token.token(), second.token()] {
            assert!(!record.message.contains(secret), "a secret in {record:?}");
        }
    }
    log_events::forward_to(None, LevelFilter::TRACE).unwrap();
    assert_eq!(
        tracing::level_filters::LevelFilter::current(),
        LevelFilter::OFF
    );
}
