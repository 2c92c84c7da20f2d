//! `dbfed-testkit serve`: runs the testkit server for tests written in other languages.
//!
//! Prints one JSON line with the server's addresses to stdout, then serves until SIGINT or
//! SIGTERM. Logs go to stderr (`RUST_LOG=dbfed_testkit=debug`).

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use dbfed_testkit::{Config, Testkit};
use serde_json::json;
use tracing_subscriber::EnvFilter;

/// A fake identity provider and Databricks token endpoint for testing dbfed.
#[derive(Parser)]
#[command(name = "dbfed-testkit", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server, print one JSON line describing it, and run until SIGINT/SIGTERM.
    Serve(ServeArgs),
}

#[derive(Args)]
struct ServeArgs {
    /// Databricks account id to pretend to be.
    #[arg(long)]
    account_id: Option<String>,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(long)]
    token_lifetime_secs: Option<u64>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::from_default_env())
        .with_writer(io::stderr)
        .init();
    let Command::Serve(args) = Cli::parse().command;
    match serve(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("dbfed-testkit: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> io::Result<()> {
    let mut config = Config::default();
    if let Some(account_id) = args.account_id {
        config.account_id = account_id;
    }
    if let Some(secs) = args.token_lifetime_secs {
        config.settings.token_lifetime = Duration::from_secs(secs);
    }
    let testkit = Testkit::try_start_with(config)?;

    let ready = json!({
        "url": testkit.url(),
        "port": testkit.port(),
        "issuer": testkit.issuer(),
        "account_id": testkit.account_id(),
        "workspace_token_endpoint": testkit.workspace_token_endpoint(),
        "account_token_endpoint": testkit.account_token_endpoint(),
        "entra_authority": testkit.entra_authority(),
        "imds_endpoint": testkit.imds_endpoint(),
        "app_service_identity_endpoint": testkit.app_service_identity_endpoint(),
        "app_service_identity_header": dbfed_testkit::APP_SERVICE_IDENTITY_HEADER,
    });
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{ready}")?;
    stdout.flush()?;
    drop(stdout);

    shutdown_signal().await
}

/// Resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn shutdown_signal() -> io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
