//! `dbfed token`: print an access token.

use std::time::UNIX_EPOCH;

use clap::Args;

use crate::Failure;
use crate::jwt::fmt_time;
use crate::options::ConfigArgs;
use crate::output::outln;

/// Arguments of `dbfed token`.
#[derive(Args)]
pub struct TokenArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// Print JSON: token, token_type, expires_at (epoch seconds), expires (RFC 3339), scope.
    #[arg(long)]
    json: bool,
}

/// Prints the token (or its JSON description) on stdout.
pub async fn run(args: TokenArgs) -> Result<u8, Failure> {
    let credential = args.config.credential()?;
    let token = credential.token().await?;
    if args.json {
        let expires_at = token
            .expires_at()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        let json = serde_json::json!({
            "token": token.token(),
            "token_type": token.token_type(),
            "expires_at": expires_at,
            "expires": fmt_time(token.expires_at()),
            "scope": token.scope(),
        });
        outln!("{json}");
    } else {
        outln!("{}", token.token());
    }
    Ok(0)
}
