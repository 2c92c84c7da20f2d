//! The `dbfed-testkit serve` binary.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::*;

#[tokio::test]
async fn serve_prints_one_json_line_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dbfed-testkit"))
        .args([
            "serve",
            "--account-id",
            "acc-123",
            "--token-lifetime-secs",
            "60",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn dbfed-testkit");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read line");
    let ready: Value = serde_json::from_str(&line).expect("one JSON line");

    let url = ready["url"].as_str().expect("url").to_owned();
    let port = ready["port"].as_u64().expect("port");
    assert_eq!(url, format!("http://127.0.0.1:{port}"));
    assert_eq!(ready["issuer"], format!("{url}/idp"));
    assert_eq!(ready["account_id"], "acc-123");
    assert_eq!(
        ready["workspace_token_endpoint"],
        format!("{url}/oidc/v1/token")
    );
    assert_eq!(
        ready["account_token_endpoint"],
        format!("{url}/oidc/accounts/acc-123/v1/token")
    );
    assert_eq!(ready["entra_authority"], format!("{url}/entra"));
    assert_eq!(
        ready["imds_endpoint"],
        format!("{url}/metadata/identity/oauth2/token")
    );
    let (status, settings) = crate::support::get_json(&format!("{url}/_testkit/counters")).await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    let response = client()
        .post(format!("{url}/_testkit/settings"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("settings");
    let settings: Value = response.json().await.expect("JSON");
    assert_eq!(settings["token_lifetime_secs"], 60);

    stop(&mut child);
}

#[cfg(unix)]
fn stop(child: &mut std::process::Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let exit = child.wait().expect("wait");
    assert!(exit.success(), "exit status {exit}");
}

#[cfg(not(unix))]
fn stop(child: &mut std::process::Child) {
    child.kill().expect("kill");
    child.wait().expect("wait");
}
