//! The `dbfed` binary against the testkit: every command, success and failure.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use dbfed_testkit::{MintRequest, Policy, Testkit};

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

/// Starts `dbfed serve`, returning the child and the URL it printed first.
fn serve(command: &mut Command) -> (Child, String) {
    let mut child = command
        .arg("serve")
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
    let (child, url) = serve(&mut dbfed(&kit));
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
    let (child, url) = serve(&mut dbfed(&kit));
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
