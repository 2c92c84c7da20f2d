//! `dbfed serve`'s request handling: the CLI's own `serve.rs` compiled in-process, serving a
//! credential of a dbfed-testkit (real HTTP on 127.0.0.1), sent each input as the raw bytes of
//! one connection. `{path}` and `{host}` in the input become the endpoint's secret path and its
//! host, so that the fuzzer reaches the handler. The connection must end (no hang), every answer
//! must be HTTP, and the token may only be in a 200 answer to a request for the secret path.
#![no_main]
// serve.rs also holds what only the `dbfed serve` command uses (its arguments, signals).
#![allow(dead_code, unused_imports)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::OnceLock;
use std::time::Duration;

use clap::{Args, FromArgMatches};
use dbfed::Credential;
use dbfed_testkit::{MintRequest, Policy, Testkit};
use libfuzzer_sys::fuzz_target;

#[path = "../../crates/dbfed-cli/src/options.rs"]
mod options;
#[path = "../../crates/dbfed-cli/src/output.rs"]
mod output;
#[path = "../../crates/dbfed-cli/src/serve.rs"]
mod serve;

/// The CLI's exit codes and failure type that serve.rs uses (main.rs, the CLI's root, has them).
const EXIT_FAILURE: u8 = 1;
const EXIT_CONFIG: u8 = 2;

#[derive(Debug)]
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn config(message: impl Into<String>) -> Self {
        Failure {
            code: EXIT_CONFIG,
            message: message.into(),
        }
    }
}

impl From<dbfed::Error> for Failure {
    fn from(err: dbfed::Error) -> Self {
        Failure {
            code: EXIT_FAILURE,
            message: err.to_string(),
        }
    }
}

const CLIENT_ID: &str = "0b3b3c3e-1111-4222-8333-5a5a5a5a5a5a";
const SUBJECT: &str = "repo:acme/pipelines:environment:prod";
const AUDIENCE: &str = "https://github.com/acme";
/// Longer than any wait of the endpoint's (its header-read timeout is 10 s).
const HANG: Duration = Duration::from_secs(30);

struct Served {
    _runtime: tokio::runtime::Runtime,
    _kit: Testkit,
    _server: serve::MetadataServer,
    address: String,
    path: String,
    host: String,
    token: String,
}

fn served() -> &'static Served {
    static SERVED: OnceLock<Served> = OnceLock::new();
    SERVED.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let kit = Testkit::start();
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
            lifetime: Some(Duration::from_secs(24 * 3600)),
            ..MintRequest::default()
        });
        let credential = Credential::builder()
            .workspace(kit.url())
            .client_id(CLIENT_ID)
            .source(dbfed::source::Fixed::new(jwt))
            .build()
            .expect("a credential");
        let matches = serve::EndpointArgs::augment_args(clap::Command::new("serve"))
            .get_matches_from(["serve"]);
        let options = serve::EndpointArgs::from_arg_matches(&matches).expect("default options");
        let (server, token) = runtime.block_on(async {
            let token = credential.token().await.expect("the testkit's token");
            let server = serve::start(credential, kit.url(), 0, options)
                .await
                .unwrap_or_else(|failure| panic!("serve cannot start: {}", failure.message));
            (server, token.token().to_owned())
        });
        let rest = server.url.strip_prefix("http://").expect("an http URL");
        let (address, path) = rest.split_once('/').expect("a path");
        Served {
            address: address.to_owned(),
            path: path.to_owned(),
            host: kit.url(),
            _runtime: runtime,
            _kit: kit,
            _server: server,
            token,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let served = served();
    let request = String::from_utf8_lossy(data)
        .replace("{path}", &served.path)
        .replace("{host}", &served.host);
    let mut stream = TcpStream::connect(&served.address).expect("the endpoint accepts");
    stream.set_read_timeout(Some(HANG)).expect("a read timeout");
    // The endpoint may close before reading everything: a failed write is an answer too.
    let _ = stream.write_all(request.as_bytes());
    let _ = stream.shutdown(Shutdown::Write);
    let mut answer = Vec::new();
    if let Err(err) = stream.read_to_end(&mut answer) {
        assert!(
            !matches!(
                err.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "the endpoint kept the connection open for {HANG:?}"
        );
    }
    if answer.is_empty() {
        return;
    }
    assert!(
        answer.starts_with(b"HTTP/1."),
        "not HTTP: {:?}",
        String::from_utf8_lossy(&answer)
    );
    let answer = String::from_utf8_lossy(&answer);
    // Pipelined requests get one answer each: the token may only be in the body of a 200.
    for (at, _) in answer.match_indices(&served.token) {
        let status_line = answer[..at]
            .rfind("HTTP/1.")
            .map_or("", |start| &answer[start..]);
        assert!(
            status_line.starts_with("HTTP/1.1 200") || status_line.starts_with("HTTP/1.0 200"),
            "{answer:?}"
        );
        assert!(
            request.contains(&served.path),
            "the token served off the secret path"
        );
    }
});
