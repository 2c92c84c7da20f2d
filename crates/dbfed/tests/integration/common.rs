//! Shared set-up: a testkit with policies, JWTs minted for them, and a client for the protected API.

use std::time::Duration;

use dbfed::{Credential, CredentialBuilder, RetryPolicy};
use dbfed_testkit::{MintRequest, Policy, Testkit};

/// The service principal's application id used by workload-identity tests.
pub const CLIENT_ID: &str = "0b3b3c3e-1111-4222-8333-5a5a5a5a5a5a";
/// The subject the service principal's policy expects.
pub const SUBJECT: &str = "repo:acme/pipelines:environment:prod";
/// The audience the service principal's policy expects.
pub const AUDIENCE: &str = "https://github.com/acme";

/// A testkit with a service-principal policy for [`CLIENT_ID`] and an account-wide policy.
pub fn testkit() -> Testkit {
    let kit = Testkit::start();
    kit.add_policy(Policy {
        client_id: Some(CLIENT_ID.into()),
        issuer: kit.issuer(),
        audiences: vec![AUDIENCE.into()],
        subject: Some(SUBJECT.into()),
        subject_claim: None,
    });
    kit.add_policy(Policy {
        client_id: None,
        issuer: kit.issuer(),
        audiences: vec![],
        subject: None,
        subject_claim: Some("email".into()),
    });
    kit
}

/// A JWT the service principal's policy accepts.
pub fn sp_jwt(kit: &Testkit) -> String {
    kit.mint(MintRequest {
        sub: SUBJECT.into(),
        aud: vec![AUDIENCE.into()],
        ..MintRequest::default()
    })
}

/// A user's JWT the account-wide policy accepts (audience = the account id, the policy default).
pub fn user_jwt(kit: &Testkit, email: &str) -> String {
    let mut extra_claims = serde_json::Map::new();
    extra_claims.insert("email".into(), email.into());
    kit.mint(MintRequest {
        sub: format!("user-{email}"),
        aud: vec![kit.account_id()],
        extra_claims,
        ..MintRequest::default()
    })
}

/// A builder for the workspace of `kit`, acting as the service principal, with fast retries.
pub fn sp_builder(kit: &Testkit, jwt: String) -> CredentialBuilder {
    Credential::builder()
        .workspace(kit.url())
        .client_id(CLIENT_ID)
        .source(dbfed::source::Fixed::new(jwt))
        .retry_policy(fast_retries())
}

/// Retries that keep tests quick.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(20))
        .max_backoff(Duration::from_millis(100))
        .total_budget(Duration::from_secs(10))
}

/// Calls the protected `Me` API with `token`; returns the status and the JSON body.
pub async fn call_me(kit: &Testkit, token: &dbfed::AccessToken) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .get(format!("{}/api/2.0/preview/scim/v2/Me", kit.url()))
        .header("Authorization", token.authorization_header())
        .send()
        .await
        .expect("the testkit answers");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, body)
}

/// Serialises tests that set process-wide environment variables with fixed names.
pub static ENV_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Sets environment variables for the life of the guard, restoring them afterwards.
/// Hold [`ENV_LOCK`] while it lives.
pub struct EnvVars(Vec<(String, Option<String>)>);

impl EnvVars {
    /// Sets each `(name, value)`; `None` removes the variable.
    pub fn set(vars: &[(&str, Option<&str>)]) -> Self {
        let saved = vars
            .iter()
            .map(|(name, _)| (name.to_string(), std::env::var(name).ok()))
            .collect();
        for (name, value) in vars {
            // SAFETY: callers hold ENV_LOCK; no other test touches these variables meanwhile.
            unsafe {
                match value {
                    Some(value) => std::env::set_var(name, value),
                    None => std::env::remove_var(name),
                }
            }
        }
        EnvVars(saved)
    }
}

impl Drop for EnvVars {
    fn drop(&mut self) {
        for (name, value) in &self.0 {
            // SAFETY: as in `set`.
            unsafe {
                match value {
                    Some(value) => std::env::set_var(name, value),
                    None => std::env::remove_var(name),
                }
            }
        }
    }
}

/// Adds a service-principal policy for `client_id` accepting `subject` and `audience`.
pub fn add_sp_policy(kit: &Testkit, client_id: &str, subject: &str, audience: &str) {
    kit.add_policy(Policy {
        client_id: Some(client_id.into()),
        issuer: kit.issuer(),
        audiences: vec![audience.into()],
        subject: Some(subject.into()),
        subject_claim: None,
    });
}

/// Calls `token()` `n` times concurrently and checks every call succeeded.
pub async fn many_tokens(credential: &Credential, n: usize) {
    let calls: Vec<_> = (0..n)
        .map(|_| {
            let credential = credential.clone();
            tokio::spawn(async move { credential.token().await })
        })
        .collect();
    for call in calls {
        call.await.expect("no panic").expect("a token");
    }
}

/// Whether `token` was still valid at `asked`, read just before the call that returned it.
///
/// A token may be handed out with moments to spare (a stale one while a refresh fails), so
/// whether it has expired by the time a test looks at it depends on scheduling, not on dbfed.
pub fn valid_when_asked(token: &dbfed::AccessToken, asked: std::time::SystemTime) -> bool {
    token.expires_at() > asked
}
