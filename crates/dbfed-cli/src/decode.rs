//! `dbfed decode`: a JWT's header and claims, never its signature.

use std::io::Read;

use clap::Args;

use crate::Failure;
use crate::jwt::decode;
use crate::output::outln;

/// Arguments of `dbfed decode`.
#[derive(Args)]
pub struct DecodeArgs {
    /// The JWT; `-` or nothing reads it from standard input.
    jwt: Option<String>,
}

/// Prints `{"header", "claims", "expires"}` as JSON.
pub fn run(args: DecodeArgs) -> Result<u8, Failure> {
    let jwt = read_jwt(args.jwt)?;
    let decoded = decode(&jwt)?;
    let output = serde_json::json!({
        "header": decoded.header,
        "claims": decoded.claims,
        "expires": decoded.expiry(),
    });
    outln!(
        "{}",
        serde_json::to_string_pretty(&output).unwrap_or_default()
    );
    Ok(0)
}

/// The JWT from the argument, or from standard input.
pub fn read_jwt(argument: Option<String>) -> Result<String, Failure> {
    match argument.as_deref() {
        Some(jwt) if jwt != "-" => Ok(jwt.trim().to_owned()),
        _ => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|err| Failure::config(format!("cannot read standard input: {err}")))?;
            Ok(text.trim().to_owned())
        }
    }
}
