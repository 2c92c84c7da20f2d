//! `dbfed serve`: the `metadata-service` endpoint every Databricks SDK can read tokens from.
//!
//! It listens on loopback only, under an unguessable path, and answers only requests that carry
//! `X-Databricks-Metadata-Version: 1` and an `X-Databricks-Host` equal to the configured host,
//! with `{"access_token", "token_type", "expires_on"}` from the credential's cache.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use clap::Args;
use dbfed::Credential;
use serde_json::json;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::Failure;
use crate::options::ConfigArgs;

/// Arguments of `dbfed serve`.
#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// Port on 127.0.0.1 (default: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

/// A running metadata-service endpoint; dropping it stops the server.
pub struct MetadataServer {
    /// The URL to use as `DATABRICKS_METADATA_SERVICE_URL`.
    pub url: String,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl MetadataServer {
    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for MetadataServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

struct Endpoint {
    credential: Credential,
    host: String,
}

/// Starts the endpoint for `credential`, answering for `host`.
pub async fn start(
    credential: Credential,
    host: String,
    port: u16,
) -> Result<MetadataServer, Failure> {
    let mut secret = [0u8; 16];
    getrandom::fill(&mut secret)
        .map_err(|err| Failure::config(format!("no randomness for the endpoint path: {err}")))?;
    let path: String = secret.iter().map(|byte| format!("{byte:02x}")).collect();
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .map_err(|err| Failure::config(format!("cannot listen on 127.0.0.1:{port}: {err}")))?;
    let address = listener
        .local_addr()
        .map_err(|err| Failure::config(format!("cannot read the listening address: {err}")))?;
    let endpoint = Arc::new(Endpoint {
        credential,
        host: normalize_host(&host),
    });
    let app = Router::new()
        .route(&format!("/{path}"), get(answer))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .with_state(endpoint);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serving = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(err) = serving.await {
            tracing::error!(%err, "metadata-service endpoint failed");
        }
    });
    Ok(MetadataServer {
        url: format!("http://{address}/{path}"),
        stop: Some(stop),
        task,
    })
}

/// `https://` added when missing, lower case, no trailing slash: how hosts are compared.
fn normalize_host(host: &str) -> String {
    let host = host.trim().trim_end_matches('/').to_ascii_lowercase();
    if host.contains("://") {
        host
    } else {
        format!("https://{host}")
    }
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

async fn answer(State(endpoint): State<Arc<Endpoint>>, headers: HeaderMap) -> Response {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    if header("x-databricks-metadata-version") != Some("1") {
        return refuse(
            StatusCode::BAD_REQUEST,
            "X-Databricks-Metadata-Version: 1 is required",
        );
    }
    if header("x-databricks-host").map(normalize_host).as_deref() != Some(endpoint.host.as_str()) {
        return refuse(
            StatusCode::FORBIDDEN,
            "X-Databricks-Host does not match the host this endpoint serves",
        );
    }
    match endpoint.credential.token().await {
        Ok(token) => {
            let expires_on = token
                .expires_at()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_secs());
            Json(json!({
                "access_token": token.token(),
                "token_type": token.token_type(),
                "expires_on": expires_on,
            }))
            .into_response()
        }
        Err(err) => {
            tracing::warn!(error = %err, "no token to serve");
            refuse(StatusCode::BAD_GATEWAY, &err.to_string())
        }
    }
}

/// The configured credential and host, with a first token fetched so that a misconfiguration
/// fails at once rather than at the first SDK call.
pub async fn credential_and_host(config: &ConfigArgs) -> Result<(Credential, String), Failure> {
    let credential = config.credential()?;
    let host = config
        .host()
        .ok_or_else(|| Failure::config("DATABRICKS_HOST is not set"))?;
    credential.token().await?;
    Ok((credential, host))
}

/// Serves until SIGINT or SIGTERM; the first line on stdout is the URL.
pub async fn run(args: ServeArgs) -> Result<u8, Failure> {
    let (credential, host) = credential_and_host(&args.config).await?;
    let server = start(credential, host, args.port).await?;
    println!("{}", server.url);
    eprintln!(
        "dbfed: serving tokens at that URL (DATABRICKS_METADATA_SERVICE_URL); stop with Ctrl-C"
    );
    shutdown_signal().await;
    server.stop().await;
    Ok(0)
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
