//! `dbfed exec -- CMD …`: run a command that reads Databricks tokens from a metadata-service
//! endpoint, so that a long-running child refreshes its tokens itself.

use clap::Args;

use crate::options::ConfigArgs;
use crate::serve::{EndpointArgs, credential_and_host, start};
use crate::{EXIT_FAILURE, Failure};

/// Arguments of `dbfed exec`.
#[derive(Args)]
pub struct ExecArgs {
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    endpoint: EndpointArgs,
    /// Pass the whole environment on, the JWT or secret dbfed read for Databricks auth included
    /// (by default those variables are removed from the command's environment).
    #[arg(long)]
    preserve_env: bool,
    /// The command and its arguments (after `--`).
    #[arg(trailing_var_arg = true, required = true, value_name = "COMMAND")]
    command: Vec<String>,
}

/// Runs the command with `DATABRICKS_HOST`, `DATABRICKS_AUTH_TYPE=metadata-service` and
/// `DATABRICKS_METADATA_SERVICE_URL` set and, unless `--preserve-env`, without the variables
/// holding the JWT or secret dbfed read ([`dbfed::config::secret_env_vars`]); exits with its
/// exit code as soon as it exits, closing whatever connections to the endpoint are still open
/// (a process it left behind may hold one).
pub async fn run(args: ExecArgs) -> Result<u8, Failure> {
    let (credential, host) = credential_and_host(&args.config).await?;
    let secrets = if args.preserve_env {
        Vec::new()
    } else {
        dbfed::config::secret_env_vars(&args.config.env())?
    };
    let server = start(credential, host.clone(), 0, args.endpoint).await?;
    let (program, arguments) = args
        .command
        .split_first()
        .ok_or_else(|| Failure::config("no command given"))?;
    let mut command = tokio::process::Command::new(program);
    for name in &secrets {
        command.env_remove(name);
    }
    let status = command
        .args(arguments)
        .env("DATABRICKS_HOST", &host)
        .env("DATABRICKS_AUTH_TYPE", "metadata-service")
        .env(dbfed::METADATA_SERVICE_URL_VARIABLE, &server.url)
        .status()
        .await
        .map_err(|err| Failure {
            code: EXIT_FAILURE,
            message: format!("cannot run `{program}`: {err}"),
        })?;
    drop(server);
    Ok(exit_code(status))
}

/// The child's exit code; 128 + the signal number if a signal ended it (as shells report it).
fn exit_code(status: std::process::ExitStatus) -> u8 {
    if let Some(code) = status.code() {
        return u8::try_from(code).unwrap_or(EXIT_FAILURE);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return u8::try_from(128 + signal).unwrap_or(EXIT_FAILURE);
        }
    }
    EXIT_FAILURE
}
