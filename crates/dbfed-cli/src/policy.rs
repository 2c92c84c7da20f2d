//! `dbfed policy suggest`: the federation policy that would accept a JWT, and the Databricks
//! CLI command that creates it.

use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::Failure;
use crate::decode::read_jwt;
use crate::jwt::decode;
use crate::options::ConfigArgs;
use crate::output::outln;

/// Policy commands.
#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Print the policy that would accept a JWT (given, or from the configured source).
    Suggest(SuggestArgs),
}

/// Arguments of `dbfed policy suggest`.
#[derive(Args)]
pub struct SuggestArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// The JWT (`-` reads standard input); without it, the configured source is asked for one.
    #[arg(long)]
    jwt: Option<String>,
    /// An account-wide policy (users' tokens; no subject) instead of a service principal's.
    #[arg(long)]
    account_wide: bool,
    /// The claim that holds the subject (default `sub`; e.g. `email` for account-wide policies).
    #[arg(long, default_value = "sub")]
    subject_claim: String,
    /// The service principal's numeric id, for the create command.
    #[arg(long)]
    service_principal_id: Option<String>,
}

/// Prints the policy JSON and the command that creates it.
pub async fn run(command: PolicyCommand) -> Result<u8, Failure> {
    let PolicyCommand::Suggest(args) = command;
    let jwt = match &args.jwt {
        Some(_) => read_jwt(args.jwt.clone())?,
        None => args
            .config
            .credential()?
            .subject_token()
            .await?
            .jwt()
            .to_owned(),
    };
    let claims = decode(&jwt)?.claims;
    let issuer = claims
        .get("iss")
        .and_then(Value::as_str)
        .ok_or_else(|| Failure::config("the JWT has no iss claim"))?;
    let audiences: Vec<Value> = match claims.get("aud") {
        Some(Value::Array(audiences)) => audiences.clone(),
        Some(Value::String(audience)) => vec![json!(audience)],
        _ => Vec::new(),
    };
    let subject = claims.get(&args.subject_claim).and_then(Value::as_str);
    let mut oidc_policy = json!({
        "issuer": issuer,
        "audiences": audiences,
        "subject_claim": args.subject_claim,
    });
    if !args.account_wide {
        let subject = subject.ok_or_else(|| {
            Failure::config(format!(
                "the JWT has no {} claim to require as subject",
                args.subject_claim
            ))
        })?;
        oidc_policy["subject"] = json!(subject);
    }
    let policy = json!({ "oidc_policy": oidc_policy });
    outln!(
        "{}",
        serde_json::to_string_pretty(&policy).unwrap_or_default()
    );
    let compact = shell_quote(&policy.to_string());
    outln!("\n# create it with the Databricks CLI:");
    if args.account_wide {
        outln!("databricks account federation-policy create --json {compact}");
    } else {
        let id = args
            .service_principal_id
            .as_deref()
            .unwrap_or("<SERVICE_PRINCIPAL_NUMERIC_ID>");
        outln!(
            "databricks account service-principal-federation-policy create {id} --json {compact}"
        );
    }
    Ok(0)
}

/// Single-quotes `text` for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
