//! The `dbfed` binary against the testkit: every command, success and failure.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use dbfed::options::Networked;
use dbfed_testkit::{EntraApp, Fault, MintRequest, Policy, Testkit};

mod exit;
mod extremes;
mod fault_matrix;
mod leaks;

const CLIENT_ID: &str = "5e1c0ffe-0000-4000-8000-0000000000c1";
const SUBJECT: &str = "repo:acme/etl:environment:prod";

fn kit() -> Testkit {
    let kit = Testkit::start();
    kit.add_policy(Policy {
        client_id: Some(CLIENT_ID.into()),
        issuer: kit.issuer(),
        audiences: vec![kit.account_id()],
        subject: Some(SUBJECT.into()),
        subject_claim: None,
    });
    kit
}

fn jwt(kit: &Testkit) -> String {
    kit.mint(MintRequest {
        sub: SUBJECT.into(),
        aud: vec![kit.account_id()],
        ..MintRequest::default()
    })
}

/// `dbfed` with a clean environment configured for `kit` (env-oidc with a valid JWT).
fn dbfed(kit: &Testkit) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dbfed"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABRICKS_HOST", kit.url())
        .env("DATABRICKS_ACCOUNT_ID", kit.account_id())
        .env("DATABRICKS_CLIENT_ID", CLIENT_ID)
        .env("DATABRICKS_OIDC_TOKEN", jwt(kit));
    command
}

fn run(command: &mut Command) -> Output {
    command.output().expect("dbfed runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn me(kit: &Testkit, token: &str) -> (u16, serde_json::Value) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(format!("{}/api/2.0/preview/scim/v2/Me", kit.url()))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (
            response.status().as_u16(),
            response.json().await.unwrap_or_default(),
        )
    })
}

fn get(url: &str, headers: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut request = reqwest::Client::new().get(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        (
            response.status().as_u16(),
            response.json().await.unwrap_or_default(),
        )
    })
}

#[test]
fn token_prints_a_token_the_api_accepts_and_json_describes_it() {
    let kit = kit();
    let output = run(dbfed(&kit).arg("token"));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let token = text(&output.stdout).trim().to_owned();
    assert_eq!(
        me(&kit, &token),
        (
            200,
            serde_json::json!({"id": me(&kit, &token).1["id"], "userName": format!("sp:{CLIENT_ID}"), "active": true})
        )
    );

    let output = run(dbfed(&kit).args(["token", "--json"]));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["token_type"], "Bearer");
    assert_eq!(json["scope"], "all-apis");
    assert!(json["expires_at"].as_u64().unwrap() > 0 && json["token"].is_string());
}

#[test]
fn token_failures_have_their_exit_code_and_the_servers_words() {
    let kit = kit();
    let output = run(dbfed(&kit).args(["token", "--client-id", "unknown-sp"]));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("HTTP 401"),
        "{}",
        text(&output.stderr)
    );

    let output = run(dbfed(&kit).env_remove("DATABRICKS_HOST").arg("token"));
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("DATABRICKS_HOST"));

    let output = run(dbfed(&kit).env_remove("DATABRICKS_OIDC_TOKEN").arg("token"));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("github-oidc"),
        "every source tried is named"
    );
}

/// Starts `dbfed serve ARGS`, returning the child and the URL it printed first.
fn serve(command: &mut Command, args: &[&str]) -> (Child, String) {
    let mut child = command
        .arg("serve")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line.trim().to_owned())
}

fn stop(mut child: Child) -> std::process::ExitStatus {
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc_kill(child.id() as i32, 15) };
    child.wait().unwrap()
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, signal: i32) -> i32;
}

#[test]
fn serve_answers_sdks_on_loopback_and_refuses_anything_else() {
    let kit = kit();
    let (child, url) = serve(&mut dbfed(&kit), &[]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let path = url.rsplit('/').next().unwrap();
    assert_eq!(path.len(), 32, "an unguessable path");
    let host = kit.url();
    let good = [
        ("X-Databricks-Metadata-Version", "1"),
        ("X-Databricks-Host", host.as_str()),
    ];

    let (status, body) = get(&url, &good);
    assert_eq!(status, 200, "{body}");
    assert_eq!(me(&kit, body["access_token"].as_str().unwrap()).0, 200);
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_on"].as_u64().unwrap() > 1_700_000_000);

    assert_eq!(get(&url, &[("X-Databricks-Host", host.as_str())]).0, 400);
    assert_eq!(
        get(
            &url,
            &[
                ("X-Databricks-Metadata-Version", "1"),
                ("X-Databricks-Host", "https://evil.example.com")
            ]
        )
        .0,
        403
    );
    let elsewhere = url.replace(path, "0123456789abcdef0123456789abcdef");
    assert_eq!(get(&elsewhere, &good).0, 404);

    assert_eq!(stop(child).code(), Some(0), "SIGTERM ends it cleanly");
}

#[test]
fn serve_keeps_tokens_fresh_across_short_lifetimes_with_few_exchanges() {
    let kit = kit();
    kit.update_settings(|settings| settings.token_lifetime = Duration::from_secs(2));
    let (child, url) = serve(&mut dbfed(&kit), &[]);
    let host = kit.url();
    let headers = [
        ("X-Databricks-Metadata-Version", "1"),
        ("X-Databricks-Host", host.as_str()),
    ];

    // Five seconds (several lifetimes) and at least 40 calls, however slow the machine.
    let started = Instant::now();
    let mut calls = 0_u64;
    while started.elapsed() < Duration::from_secs(5) || calls < 40 {
        let (status, body) = get(&url, &headers);
        assert_eq!(status, 200);
        assert_eq!(
            me(&kit, body["access_token"].as_str().unwrap()).0,
            200,
            "a served token was expired"
        );
        calls += 1;
        std::thread::sleep(Duration::from_millis(50));
    }

    let exchanges = kit.counters().exchanges;
    let seconds = started.elapsed().as_secs_f64();
    // 2-second tokens count as 1 s (servers round expiry to whole seconds), refreshed at half
    // of that: about two exchanges a second, whatever the number of calls.
    let most = (seconds * 2.5).ceil() as u64 + 2;
    assert!(
        (3..=most).contains(&exchanges) && exchanges < calls,
        "exchanges follow token lifetimes, not calls: {exchanges} in {seconds:.1} s for {calls} calls"
    );
    stop(child);
}

#[test]
fn exec_gives_the_command_a_working_metadata_service_and_its_exit_code() {
    let kit = kit();
    let script = r#"
import json, os, sys, urllib.request
request = urllib.request.Request(os.environ["DATABRICKS_METADATA_SERVICE_URL"], headers={
    "X-Databricks-Metadata-Version": "1", "X-Databricks-Host": os.environ["DATABRICKS_HOST"]})
body = json.load(urllib.request.urlopen(request))
print(os.environ["DATABRICKS_AUTH_TYPE"], body["access_token"])
sys.exit(7)
"#;
    let output = run(dbfed(&kit).args(["exec", "--", "python3", "-c", script]));
    assert_eq!(output.status.code(), Some(7), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let (auth_type, token) = stdout.trim().split_once(' ').unwrap();
    assert_eq!(auth_type, "metadata-service");
    assert_eq!(me(&kit, token).0, 200);

    let output = run(dbfed(&kit).args(["exec", "--", "/nonexistent/program"]));
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("cannot run"));
}

#[test]
fn doctor_walks_every_step_and_stops_at_the_first_failure() {
    let kit = kit();
    let issuer = kit.issuer();
    let output = run(dbfed(&kit).args([
        "doctor",
        "--policy-issuer",
        &issuer,
        "--policy-subject",
        SUBJECT,
    ]));
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    for expected in [
        "[1/5]",
        "env-oidc",
        "[2/5]",
        "HostMetadata",
        "account id",
        "[3/5]",
        "iss",
        "[4/5]",
        "matches",
        "[5/5]",
        "exchanged",
        "all good",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected} missing from:\n{stdout}"
        );
    }
    let jwt_signature = jwt(&kit).rsplit('.').next().unwrap().to_owned();
    assert!(!stdout.contains(&jwt_signature));

    let output =
        run(dbfed(&kit).args(["doctor", "--policy-issuer", "https://other-idp.example.com"]));
    assert_eq!(output.status.code(), Some(3));
    assert!(
        text(&output.stdout).contains("wrong issuer"),
        "{}",
        text(&output.stdout)
    );
    assert!(
        !text(&output.stdout).contains("[5/5]"),
        "it stops at the failing step"
    );

    let output = run(dbfed(&kit).args(["doctor", "--client-id", "unknown-sp"]));
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stdout).contains("[5/5]"));
}

#[test]
fn decode_shows_header_and_claims_but_not_the_signature() {
    let kit = kit();
    let jwt = jwt(&kit);
    let output = run(dbfed(&kit).args(["decode", &jwt]));
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["claims"]["sub"], SUBJECT);
    assert_eq!(json["header"]["alg"], "RS256");
    assert!(json["expires"].as_str().unwrap().contains("in "));
    assert!(!text(&output.stdout).contains(jwt.rsplit('.').next().unwrap()));

    let output = run(dbfed(&kit).args(["decode", "not-a-jwt"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("not a JWT"));
}

#[test]
fn policy_suggest_prints_a_policy_that_accepts_the_jwt_and_the_create_command() {
    let kit = kit();
    let jwt = jwt(&kit);
    let output = run(dbfed(&kit).args([
        "policy",
        "suggest",
        "--jwt",
        &jwt,
        "--service-principal-id",
        "1234",
    ]));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let (json, command) = stdout.split_once("\n# create it").unwrap();
    let policy: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(policy["oidc_policy"]["issuer"], kit.issuer());
    assert_eq!(policy["oidc_policy"]["subject"], SUBJECT);
    assert_eq!(
        policy["oidc_policy"]["audiences"],
        serde_json::json!([kit.account_id()])
    );
    assert!(
        command.contains(
            "databricks account service-principal-federation-policy create 1234 --json '"
        )
    );

    // The suggestion, applied, accepts the JWT.
    let suggested: dbfed_testkit::Policy = serde_json::from_value(serde_json::json!({
        "client_id": "sp-suggested",
        "issuer": policy["oidc_policy"]["issuer"],
        "audiences": policy["oidc_policy"]["audiences"],
        "subject": policy["oidc_policy"]["subject"],
    }))
    .unwrap();
    kit.add_policy(suggested);
    assert!(
        run(dbfed(&kit).args(["token", "--client-id", "sp-suggested"]))
            .status
            .success()
    );

    let output = run(dbfed(&kit).args([
        "policy",
        "suggest",
        "--account-wide",
        "--subject-claim",
        "sub",
    ]));
    assert!(text(&output.stdout).contains("databricks account federation-policy create --json"));
    assert!(
        !text(&output.stdout).contains("\"subject\":"),
        "account-wide policies have no subject"
    );
}

#[test]
fn every_command_has_help() {
    let kit = kit();
    for command in [
        &["--help"][..],
        &["token", "--help"],
        &["exec", "--help"],
        &["serve", "--help"],
        &["doctor", "--help"],
        &["decode", "--help"],
        &["policy", "suggest", "--help"],
    ] {
        let output = run(dbfed(&kit).args(command));
        assert!(output.status.success(), "{command:?}");
        assert!(text(&output.stdout).contains("Usage"), "{command:?}");
    }
    assert!(text(&run(dbfed(&kit).arg("--help")).stdout).contains("Exit codes"));
}

/// The child's status if it exits within `bound`; else it is killed and `None` returned.
fn wait_within(child: &mut Child, bound: Duration) -> Option<ExitStatus> {
    let started = Instant::now();
    while started.elapsed() < bound {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// `host:port` of a served URL.
fn address_of(url: &str) -> String {
    url.trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_owned()
}

/// A new connection carrying the start of a request whose headers never end, which the server
/// has accepted by the time this returns (a later connection was answered; accept is in order).
fn half_sent_request(url: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address_of(url)).unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Databricks-Meta")
        .unwrap();
    assert_eq!(get(url, &[]).0, 400, "a later connection is answered");
    stream
}

/// Whether the peer closed `stream` (EOF or reset) within `bound`.
fn closed_within(mut stream: &TcpStream, bound: Duration) -> bool {
    stream
        .set_read_timeout(Some(bound.max(Duration::from_millis(10))))
        .unwrap();
    let mut rest = Vec::new();
    match stream.read_to_end(&mut rest) {
        Ok(_) => true,
        Err(err) => !matches!(
            err.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

#[test]
fn serve_closes_connections_whose_headers_never_end_and_keeps_answering() {
    let kit = kit();
    let (child, url) = serve(&mut dbfed(&kit), &[]);
    let address = address_of(&url);
    let slow: Vec<TcpStream> = (0..100)
        .map(|_| {
            let mut stream = TcpStream::connect(&address).unwrap();
            stream
                .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Databricks-Meta")
                .unwrap();
            stream
        })
        .collect();
    let host = kit.url();
    let good = [
        ("X-Databricks-Metadata-Version", "1"),
        ("X-Databricks-Host", host.as_str()),
    ];
    assert_eq!(get(&url, &good).0, 200, "slow clients do not block others");

    // The header-read timeout is 10 s; 40 s is far below "never" and far above 10 s on a
    // loaded machine.
    let started = Instant::now();
    let bound = Duration::from_secs(40);
    let closed = slow
        .iter()
        .filter(|stream| closed_within(stream, bound.saturating_sub(started.elapsed())))
        .count();
    assert_eq!(
        closed,
        slow.len(),
        "connections closed by the header timeout"
    );
    assert_eq!(get(&url, &good).0, 200);
    assert_eq!(stop(child).code(), Some(0));
}

#[test]
fn serve_exits_cleanly_on_sigterm_right_after_printing_its_url() {
    let kit = kit();
    for attempt in 0..5 {
        let (mut child, _url) = serve(&mut dbfed(&kit), &[]);
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc_kill(child.id() as i32, 15) };
        let status = wait_within(&mut child, Duration::from_secs(30));
        assert_eq!(
            status.and_then(|status| status.code()),
            Some(0),
            "attempt {attempt}: {status:?}"
        );
    }
}

#[test]
fn serve_answers_503_at_its_answer_timeout_while_a_refresh_hangs() {
    let kit = kit();
    kit.update_settings(|settings| settings.token_lifetime = Duration::from_secs(2));
    let (child, url) = serve(&mut dbfed(&kit), &["--answer-timeout", "1s"]);
    kit.inject(Fault {
        delay: Some(Duration::from_secs(300)),
        count: 1000,
        ..Fault::default()
    });
    std::thread::sleep(Duration::from_secs(3)); // the token served so far has expired
    let host = kit.url();
    let started = Instant::now();
    let (status, body) = get(
        &url,
        &[
            ("X-Databricks-Metadata-Version", "1"),
            ("X-Databricks-Host", host.as_str()),
        ],
    );
    let waited = started.elapsed();
    assert_eq!(status, 503, "{body}");
    let message = body["error"].as_str().unwrap();
    assert!(message.contains("within 1s"), "{message}");
    assert!(
        waited < Duration::from_secs(15),
        "answered after {waited:?}, not at its 1 s answer timeout"
    );
    assert_eq!(
        stop(child).code(),
        Some(0),
        "a hanging refresh does not stop shutdown"
    );
}

/// Run by `dbfed exec` in the test below: leaves a detached process behind holding a half-sent
/// request to exec's endpoint (its pid in the file `argv[1]`), then exits 3.
const LEAVES_A_HALF_SENT_REQUEST: &str = r#"
import os, subprocess, sys, time
ready = sys.argv[1]
subprocess.Popen([sys.executable, "-c", os.environ["HOLDER"], ready], stdin=subprocess.DEVNULL,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
deadline = time.time() + 30
while not os.path.exists(ready) and time.time() < deadline:
    time.sleep(0.02)
sys.exit(3)
"#;

const HOLDER: &str = r#"
import os, socket, sys, time, urllib.parse
url = urllib.parse.urlsplit(os.environ["DATABRICKS_METADATA_SERVICE_URL"])
held = socket.create_connection((url.hostname, url.port))
held.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Databricks-Meta")
# A later connection answered: the held one was accepted first.
later = socket.create_connection((url.hostname, url.port))
later.sendall(b"GET /nothing-here HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
while later.recv(1024):
    pass
with open(sys.argv[1] + ".tmp", "w") as pid:
    pid.write(str(os.getpid()))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(30)
"#;

#[test]
fn exec_returns_when_its_command_exits_whatever_connections_are_open() {
    let kit = kit();
    let ready = std::env::temp_dir().join(format!(
        "dbfed-cli-test-holder-{}-{:?}",
        std::process::id(),
        Instant::now()
    ));
    let ready_arg = ready.to_str().unwrap().to_owned();
    let started = Instant::now();
    let output = run(dbfed(&kit).env("HOLDER", HOLDER).args([
        "exec",
        "--",
        "python3",
        "-c",
        LEAVES_A_HALF_SENT_REQUEST,
        &ready_arg,
    ]));
    let took = started.elapsed();
    let holder = std::fs::read_to_string(&ready).unwrap_or_default();
    if let Ok(pid) = holder.trim().parse::<i32>() {
        // SAFETY: kill(2) on the process our test command left behind.
        unsafe { libc_kill(pid, 9) };
    }
    let _ = std::fs::remove_file(&ready);
    assert!(
        !holder.is_empty(),
        "the holder connected: {}",
        text(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
    // The holder keeps its request open 30 s, and the header timeout is 10 s.
    assert!(
        took < Duration::from_secs(8),
        "exec returned after {took:?}"
    );
}

#[test]
fn a_closed_stdout_ends_every_command_quietly_with_exit_code_0() {
    let kit = kit();
    let jwt = jwt(&kit);
    let issuer = kit.issuer();
    for args in [
        &["token"][..],
        &["token", "--json"],
        &["decode", &jwt],
        &["policy", "suggest", "--jwt", &jwt],
        &["doctor", "--policy-issuer", &issuer],
        &["serve"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut child = dbfed(&kit)
            .args(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = wait_within(&mut child, Duration::from_secs(30));
        assert_eq!(
            status.and_then(|status| status.code()),
            Some(0),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr, "", "{args:?}: nothing on stderr, no panic");
    }
}

/// The environment `dbfed exec OPTIONS -- env` gave its command (exec must succeed).
fn exec_env(command: &mut Command, options: &[&str]) -> HashMap<String, String> {
    let output = run(command.arg("exec").args(options).args(["--", "env"]));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    text(&output.stdout)
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

/// What exec must set whatever it removes: the host and its own metadata-service endpoint.
fn assert_has_the_metadata_service(env: &HashMap<String, String>, kit: &Testkit) {
    assert_eq!(env.get("DATABRICKS_HOST"), Some(&kit.url()), "{env:?}");
    assert_eq!(
        env.get("DATABRICKS_AUTH_TYPE").map(String::as_str),
        Some("metadata-service")
    );
    let url = &env["DATABRICKS_METADATA_SERVICE_URL"];
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
}

#[test]
fn exec_hands_its_command_no_jwt_dbfed_read_unless_asked_to_preserve_the_environment() {
    let kit = kit();
    let jwt = jwt(&kit);
    let signature = jwt.rsplit('.').next().unwrap().to_owned();
    let dbfed = || {
        let mut command = dbfed(&kit);
        command
            .env("DATABRICKS_OIDC_TOKEN", &jwt)
            .env("ARM_CLIENT_SECRET", "not-read-by-env-oidc");
        command
    };

    let env = exec_env(&mut dbfed(), &[]);
    assert_has_the_metadata_service(&env, &kit);
    assert!(!env.contains_key("DATABRICKS_OIDC_TOKEN"), "{env:?}");
    assert!(
        env.values().all(|value| !value.contains(&signature)),
        "no variable holds the JWT: {env:?}"
    );
    assert_eq!(
        env.get("DATABRICKS_CLIENT_ID").map(String::as_str),
        Some(CLIENT_ID),
        "what is no secret stays"
    );
    assert_eq!(
        env.get("ARM_CLIENT_SECRET").map(String::as_str),
        Some("not-read-by-env-oidc"),
        "only what dbfed read is removed"
    );

    let mut renamed = dbfed();
    renamed
        .env_remove("DATABRICKS_OIDC_TOKEN")
        .env("CI_JOB_JWT", &jwt);
    let env = exec_env(&mut renamed, &["--token-env", "CI_JOB_JWT"]);
    assert_has_the_metadata_service(&env, &kit);
    assert!(!env.contains_key("CI_JOB_JWT"), "{env:?}");

    let env = exec_env(&mut dbfed(), &["--preserve-env"]);
    assert_has_the_metadata_service(&env, &kit);
    assert_eq!(env.get("DATABRICKS_OIDC_TOKEN"), Some(&jwt));
}

#[test]
fn exec_hands_its_command_no_client_secret_dbfed_read_unless_asked_to() {
    let kit = kit();
    kit.add_entra_app(EntraApp {
        tenant: "tenant-1".into(),
        client_id: "app-1".into(),
        secret: Some("entra-secret".into()),
        federated_credentials: vec![],
    });
    let dbfed = || {
        let mut command = dbfed(&kit);
        command
            .env_remove("DATABRICKS_OIDC_TOKEN")
            .env("DATABRICKS_AUTH_TYPE", "azure-client-secret")
            .env("AZURE_AUTHORITY_HOST", kit.entra_authority())
            .env("ARM_TENANT_ID", "tenant-1")
            .env("ARM_CLIENT_ID", "app-1")
            .env("ARM_CLIENT_SECRET", "entra-secret")
            .env("AZURE_CLIENT_SECRET", "entra-secret-too");
        command
    };

    let env = exec_env(&mut dbfed(), &[]);
    assert_has_the_metadata_service(&env, &kit);
    for name in ["ARM_CLIENT_SECRET", "AZURE_CLIENT_SECRET"] {
        assert!(!env.contains_key(name), "{name}: {env:?}");
    }
    assert!(
        env.values().all(|value| !value.contains("entra-secret")),
        "{env:?}"
    );
    assert_eq!(env.get("ARM_CLIENT_ID").map(String::as_str), Some("app-1"));

    let env = exec_env(&mut dbfed(), &["--preserve-env"]);
    assert_eq!(
        env.get("ARM_CLIENT_SECRET").map(String::as_str),
        Some("entra-secret")
    );
}

#[test]
fn log_lines_on_a_stderr_that_is_no_terminal_have_no_colour_codes() {
    let kit = kit();
    let output = run(dbfed(&kit).env_remove("NO_COLOR").args(["-vv", "token"]));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("DEBUG"),
        "trace logs were written: {stderr}"
    );
    assert!(!stderr.contains('\x1b'), "{stderr:?}");
}

#[test]
fn a_host_that_is_only_a_scheme_is_a_configuration_error_in_every_command() {
    let kit = kit();
    let host = ["--host", "https://"];
    for args in [
        &["token"][..],
        &["exec", "--", "true"],
        &["serve"],
        &["doctor"],
    ] {
        let (command, rest) = args.split_first().unwrap();
        let mut child = dbfed(&kit)
            .arg(command)
            .args(host)
            .args(rest)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = wait_within(&mut child, Duration::from_secs(30));
        assert_eq!(
            status.and_then(|status| status.code()),
            Some(2),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.starts_with("dbfed: "),
            "{args:?}: dbfed's own error, not a usage error: {stderr}"
        );
    }
}

/// Runs `dbfed ARGS` configured for `kit` with a terminal (python3's pty module) as its stdout
/// and stderr, whose output is returned; `NO_COLOR` is set to `no_color` if given.
fn on_a_terminal(kit: &Testkit, no_color: Option<&str>, args: &[&str]) -> String {
    let dbfed = dbfed(kit);
    let mut command = Command::new("python3");
    command.env_clear().stdin(Stdio::null()).args([
        "-c",
        "import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)",
        env!("CARGO_BIN_EXE_dbfed"),
    ]);
    for (name, value) in dbfed.get_envs() {
        if let Some(value) = value {
            command.env(name, value);
        }
    }
    if let Some(value) = no_color {
        command.env("NO_COLOR", value);
    }
    let output = run(command.args(args));
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout)
}

#[test]
fn log_lines_on_a_terminal_are_coloured_unless_no_color_is_set() {
    let kit = kit();
    let coloured = on_a_terminal(&kit, None, &["-vv", "token"]);
    assert!(coloured.contains("DEBUG"), "{coloured}");
    assert!(coloured.contains('\x1b'), "{coloured:?}");
    let empty = on_a_terminal(&kit, Some(""), &["-vv", "token"]);
    assert!(
        empty.contains('\x1b'),
        "an empty NO_COLOR is unset: {empty:?}"
    );
    let plain = on_a_terminal(&kit, Some("1"), &["-vv", "token"]);
    assert!(plain.contains("DEBUG"), "{plain}");
    assert!(!plain.contains('\x1b'), "{plain:?}");
}

#[test]
fn the_cores_metadata_service_credential_reads_serve_once_and_hides_its_path() {
    let kit = kit();
    let (child, url) = serve(&mut dbfed(&kit), &[]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let credential = runtime.block_on(async {
        dbfed::Credential::metadata_service(url.clone(), kit.url())
            .build()
            .unwrap()
    });
    let path = url.rsplit('/').next().unwrap();
    assert!(
        !format!("{credential:?}").contains(path),
        "the path is the endpoint's secret"
    );

    let first = runtime.block_on(credential.token()).unwrap();
    assert_eq!(me(&kit, first.token()).0, 200);
    for _ in 0..20 {
        let token = runtime.block_on(credential.token()).unwrap();
        assert!(token.same_as(&first), "served from the credential's cache");
    }
    assert_eq!(
        credential.stats().exchanges,
        1,
        "one request to the endpoint"
    );
    assert_eq!(kit.counters().exchanges, 1, "serve's one exchange");

    let wrong_host = runtime.block_on(async {
        dbfed::Credential::metadata_service(url.clone(), "https://evil.example.com")
            .with_http(dbfed::HttpOptions::default(), dbfed::RetryPolicy::none())
            .build()
            .unwrap()
    });
    let err = runtime.block_on(wrong_host.token()).unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
    assert!(!err.to_string().contains(path), "{err}");
    assert_eq!(stop(child).code(), Some(0));
}
