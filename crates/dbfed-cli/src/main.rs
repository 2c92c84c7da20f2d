//! `dbfed`: Databricks tokens from your identity provider, for scripts, CI jobs and every
//! Databricks SDK (through the `metadata-service` auth type).
//!
//! Exit codes: 0 success, or stdout closed by its reader (`dbfed token | head -c 1`); 1 a token
//! could not be had (source, exchange, network) or stdout could not be written; 2 usage or
//! configuration error; 3 `doctor` found a mismatch with the given policy; for `exec`, the
//! command's own exit code. No command panics on a closed stdout or stderr (see `output`).

mod decode;
mod doctor;
mod exec;
mod jwt;
mod options;
mod output;
mod policy;
mod serve;
mod token;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::output::errln;

/// Exit code for a token that could not be had.
const EXIT_FAILURE: u8 = 1;
/// Exit code for a usage or configuration error.
const EXIT_CONFIG: u8 = 2;
/// Exit code for `doctor` finding a policy mismatch.
const EXIT_MISMATCH: u8 = 3;

/// Databricks tokens from your own identity provider (OAuth token federation).
///
/// Configuration comes from the Databricks environment variables (DATABRICKS_HOST,
/// DATABRICKS_CLIENT_ID, DATABRICKS_AUTH_TYPE, …) and the flags below, which override them.
#[derive(Parser)]
#[command(name = "dbfed", version, about, long_about = None, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log what happens to stderr (repeat for more: -v debug, -vv trace). Tokens never appear.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
}

const EXIT_CODES: &str = "Exit codes: 0 success (also when stdout is closed early, as by `| head`), \
1 no token could be had, 2 usage or configuration error, 3 doctor found a policy mismatch; exec \
exits with its command's code.";

#[derive(Subcommand)]
enum Command {
    /// Print a Databricks access token.
    Token(token::TokenArgs),
    /// Run a command with DATABRICKS_HOST and a metadata-service endpoint in its environment.
    Exec(exec::ExecArgs),
    /// Serve tokens to Databricks SDKs on loopback (auth type `metadata-service`).
    Serve(serve::ServeArgs),
    /// Walk the configuration step by step and explain what fails.
    Doctor(doctor::DoctorArgs),
    /// Print a JWT's header and claims (never its signature) and its expiry.
    Decode(decode::DecodeArgs),
    /// Federation policies.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
}

/// A failure, with the exit code it maps to.
#[derive(Debug)]
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn config(message: impl Into<String>) -> Self {
        Failure {
            code: EXIT_CONFIG,
            message: message.into(),
        }
    }
}

impl From<dbfed::Error> for Failure {
    fn from(err: dbfed::Error) -> Self {
        let code = match err.kind() {
            dbfed::ErrorKind::Config => EXIT_CONFIG,
            _ => EXIT_FAILURE,
        };
        Failure {
            code,
            message: err.to_string(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            errln!("dbfed: cannot start the runtime: {err}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Token(args) => token::run(args).await,
            Command::Exec(args) => exec::run(args).await,
            Command::Serve(args) => serve::run(args).await,
            Command::Doctor(args) => doctor::run(args).await,
            Command::Decode(args) => decode::run(args),
            Command::Policy(command) => policy::run(command).await,
        }
    });
    // Nothing left to wait for: a blocking task still running (a stuck source) must not hold
    // the exit.
    runtime.shutdown_background();
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            errln!("dbfed: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "dbfed=debug,info",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("DBFED_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour_on_stderr())
        .init();
}

/// Whether log lines may be coloured: only on a terminal, and not when `NO_COLOR` is set to
/// anything but the empty string (<https://no-color.org>).
fn colour_on_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
