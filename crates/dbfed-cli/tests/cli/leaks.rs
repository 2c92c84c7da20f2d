//! At TRACE (`-vv`), nothing a command writes to stderr shows a token, the JWT, its signature
//! or a password, whether the exchange succeeds or a server echoes what dbfed sent.

use super::*;

#[test]
fn nothing_on_stderr_at_trace_shows_a_token_a_jwt_or_a_password() {
    let kit = kit();
    let jwt = jwt(&kit);
    let signature = jwt.rsplit('.').next().unwrap().to_owned();
    let issuer = kit.issuer();
    let mut stderr = String::new();

    let printed = run(dbfed(&kit).args(["-vv", "token"]));
    assert!(printed.status.success(), "{}", text(&printed.stderr));
    let token = text(&printed.stdout).trim().to_owned();
    stderr += &text(&printed.stderr);
    for args in [
        &["-vv", "doctor", "--policy-issuer", &issuer][..],
        &["-vv", "exec", "--", "true"],
    ] {
        let output = run(dbfed(&kit).args(args));
        assert!(
            output.status.success(),
            "{args:?}: {}",
            text(&output.stderr)
        );
        stderr += &text(&output.stderr);
    }

    kit.inject(Fault::refusal_echoing("/oidc/v1/token", &jwt));
    let refused = run(dbfed(&kit).args(["-vv", "token"]));
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("echo <redacted>"),
        "the server's words are quoted, masked: {}",
        text(&refused.stderr)
    );
    stderr += &text(&refused.stderr);

    let password = "hunter2-url-password";
    let host = kit
        .url()
        .replacen("://", &format!("://admin:{password}@"), 1);
    let refused = run(dbfed(&kit)
        .env("DATABRICKS_HOST", host)
        .args(["-vv", "token"]));
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    stderr += &text(&refused.stderr);

    assert!(
        stderr.lines().count() > 50,
        "the scan saw too little:\n{stderr}"
    );
    for (what, secret) in [
        ("the token", token.as_str()),
        ("the JWT", &jwt),
        ("the JWT's signature", &signature),
        ("the password", password),
    ] {
        assert!(!stderr.contains(secret), "{what} on stderr:\n{stderr}");
    }
}
