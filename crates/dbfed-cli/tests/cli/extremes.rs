//! JWTs whose times are beyond any date (`exp`, `nbf`, `iat` at 2^63, 2^64−1, year 10000 or
//! 1e300) through every command that reads one: a documented exit code and words, never a
//! panic (exit 101).

use super::*;

/// A JWT signed by `kit` whose `claim` is `value`.
fn jwt_with(kit: &Testkit, claim: &str, value: serde_json::Value) -> String {
    kit.mint(MintRequest {
        sub: SUBJECT.into(),
        aud: vec![kit.account_id()],
        extra_claims: [(claim.to_owned(), value)].into_iter().collect(),
        ..MintRequest::default()
    })
}

#[test]
fn times_beyond_any_date_get_a_documented_exit_code_in_every_command() {
    let kit = kit();
    let issuer = kit.issuer();
    let extremes = [
        serde_json::json!(u64::MAX),
        serde_json::json!(1u64 << 63),
        serde_json::json!(253_402_300_800u64),
        serde_json::json!(1e300),
    ];
    for claim in ["exp", "nbf", "iat"] {
        for value in &extremes {
            let jwt = jwt_with(&kit, claim, value.clone());
            for args in [
                &["decode", &jwt][..],
                &["policy", "suggest", "--jwt", &jwt],
                &["doctor", "--policy-issuer", &issuer],
                &["token"],
            ] {
                let output = run(dbfed(&kit).env("DATABRICKS_OIDC_TOKEN", &jwt).args(args));
                let what = format!("{claim} = {value}, {:?}", args[0]);
                let stderr = text(&output.stderr);
                assert!(
                    matches!(output.status.code(), Some(0..=3)),
                    "{what}: {:?}\n{stderr}",
                    output.status
                );
                assert!(!stderr.contains("panic"), "{what}: {stderr}");
            }
        }
    }
}
