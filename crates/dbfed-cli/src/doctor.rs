//! `dbfed doctor`: the configuration, step by step, stopping at the first step that fails.

use clap::Args;
use dbfed::FederationPolicy;
use dbfed::config::detect;

use crate::jwt::{decode, fmt_time};
use crate::options::ConfigArgs;
use crate::output::outln;
use crate::{EXIT_MISMATCH, Failure};

/// Arguments of `dbfed doctor`.
#[derive(Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// The federation policy's issuer, to check the JWT against.
    #[arg(long)]
    policy_issuer: Option<String>,
    /// An audience the policy accepts (repeat for several; none means the account id).
    #[arg(long)]
    policy_audience: Vec<String>,
    /// The subject the policy requires (service-principal policies).
    #[arg(long)]
    policy_subject: Option<String>,
    /// The claim holding the subject (default `sub`).
    #[arg(long)]
    policy_subject_claim: Option<String>,
}

impl DoctorArgs {
    fn policy(&self) -> Option<FederationPolicy> {
        let mut policy = FederationPolicy::new(self.policy_issuer.clone()?)
            .audiences(self.policy_audience.clone());
        if let Some(subject) = &self.policy_subject {
            policy = policy.subject(subject.clone());
        }
        if let Some(claim) = &self.policy_subject_claim {
            policy = policy.subject_claim(claim.clone());
        }
        Some(policy)
    }
}

fn step(number: u8, title: &str) {
    outln!("\n[{number}/5] {title}");
}

fn ok(line: impl AsRef<str>) {
    outln!("  ✓ {}", line.as_ref());
}

fn note(line: impl AsRef<str>) {
    outln!("  · {}", line.as_ref());
}

/// Runs the five steps; each failure ends the walk with a message and a non-zero exit code.
pub async fn run(args: DoctorArgs) -> Result<u8, Failure> {
    step(1, "configuration");
    let env = args.config.env();
    let host = env
        .get("DATABRICKS_HOST")
        .ok_or_else(|| Failure::config("DATABRICKS_HOST is not set (or pass --host)"))?;
    ok(format!("host {host}"));
    match env.get("DATABRICKS_CLIENT_ID") {
        Some(client_id) => ok(format!(
            "client id {client_id}: workload identity federation (the service principal's policies apply)"
        )),
        None => ok("no client id: account-wide federation (the account's policies apply)"),
    }
    let detection = detect(&env)?;
    ok(format!(
        "source {} ({})",
        detection.auth_type, detection.reason
    ));
    for (skipped, why) in &detection.skipped {
        note(format!("skipped {skipped}: {why}"));
    }
    let credential = args.config.credential()?;

    step(2, "token endpoint and audience");
    let endpoints = credential.endpoints().await?;
    ok(format!(
        "token endpoint {} ({:?})",
        endpoints.token_endpoint, endpoints.token_endpoint_origin
    ));
    ok(format!(
        "audience {} ({})",
        endpoints.audience,
        audience_reason(endpoints.audience_origin)
    ));

    step(3, "subject token");
    let subject = credential.subject_token().await?;
    let decoded = decode(subject.jwt())?;
    ok(format!(
        "got a JWT from {}",
        credential.source_name().unwrap_or("the source")
    ));
    for name in ["alg", "kid"] {
        if let Some(value) = decoded.header.get(name) {
            note(format!("{name}: {value}"));
        }
    }
    for name in ["iss", "sub", "aud", "iat", "nbf"] {
        if let Some(value) = decoded.claims.get(name) {
            note(format!("{name}: {value}"));
        }
    }
    note(format!("exp: {}", decoded.expiry()));
    let audiences = subject
        .claims()
        .map(|claims| claims.aud)
        .unwrap_or_default();
    if !audiences.contains(&endpoints.audience) {
        note(format!(
            "the JWT's audience {audiences:?} is not the audience above: sources that cannot \
             choose an audience (files, variables) carry what their issuer put in"
        ));
    }

    step(4, "federation policy");
    match args.policy() {
        None => note(
            "no policy given (--policy-issuer, --policy-audience, --policy-subject): not checked",
        ),
        Some(policy) => {
            let mismatches = dbfed::diagnose(subject.jwt(), &policy, credential.account_id());
            if mismatches.is_empty() {
                ok("the JWT matches the policy");
            } else {
                for mismatch in &mismatches {
                    outln!("  ✗ {mismatch}");
                }
                return Err(Failure {
                    code: EXIT_MISMATCH,
                    message: format!(
                        "the JWT does not match the policy ({} mismatch{})",
                        mismatches.len(),
                        if mismatches.len() == 1 { "" } else { "es" }
                    ),
                });
            }
        }
    }

    step(5, "token exchange");
    let token = credential.token().await?;
    ok(format!(
        "exchanged: {} token, expires {}, scope {}",
        token.token_type(),
        fmt_time(token.expires_at()),
        token.scope().unwrap_or("(not stated)")
    ));
    outln!("\nall good");
    Ok(0)
}

fn audience_reason(origin: dbfed::AudienceOrigin) -> &'static str {
    match origin {
        dbfed::AudienceOrigin::Configured => "configured",
        dbfed::AudienceOrigin::HostMetadata => "the host's default federation audience",
        dbfed::AudienceOrigin::AccountId => {
            "the account id, what a policy without audiences expects"
        }
        dbfed::AudienceOrigin::TokenEndpoint => {
            "the token endpoint URL, the last resort: policies usually expect the account id; set --audience or --account-id"
        }
        _ => "other",
    }
}
