//! `dbfed serve`: the `metadata-service` endpoint every Databricks SDK can read tokens from.
//!
//! It listens on loopback only, under an unguessable path, and answers only requests that carry
//! `X-Databricks-Metadata-Version: 1` and an `X-Databricks-Host` equal to the configured host,
//! with `{"access_token", "token_type", "expires_on"}` from the credential's cache.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use clap::Args;
use dbfed::Credential;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

use crate::Failure;
use crate::options::ConfigArgs;
use crate::output::{errln, outln};

/// How long a client may take to send a request's headers; then its connection is closed.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long requests in flight when `serve` is told to stop may take to finish; then every
/// connection still open is closed and it exits.
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(2);
/// How long to pause accepting after an accept error (such as too many open files).
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// Arguments of `dbfed serve`.
#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    endpoint: EndpointArgs,
    /// Port on 127.0.0.1 (default: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

/// How the endpoint answers, for `serve` and `exec`.
#[derive(Args, Clone, Copy)]
pub struct EndpointArgs {
    /// Longest a request waits for a token (a refresh still running) before a 503 answer.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    answer_timeout: Duration,
}

/// A running metadata-service endpoint; dropping it closes every connection at once.
pub struct MetadataServer {
    /// The URL to use as `DATABRICKS_METADATA_SERVICE_URL`.
    pub url: String,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl MetadataServer {
    /// Stops accepting, lets requests in flight finish within [`SHUTDOWN_DEADLINE`], then
    /// closes what is still open.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for MetadataServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Endpoint {
    credential: Credential,
    host: String,
    answer_timeout: Duration,
}

/// Starts the endpoint for `credential`, answering for `host`.
pub async fn start(
    credential: Credential,
    host: String,
    port: u16,
    options: EndpointArgs,
) -> Result<MetadataServer, Failure> {
    let mut secret = [0u8; 16];
    getrandom::fill(&mut secret)
        .map_err(|err| Failure::config(format!("no randomness for the endpoint path: {err}")))?;
    let path: String = secret.iter().map(|byte| format!("{byte:02x}")).collect();
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .map_err(|err| Failure::config(format!("cannot listen on 127.0.0.1:{port}: {err}")))?;
    let address = listener
        .local_addr()
        .map_err(|err| Failure::config(format!("cannot read the listening address: {err}")))?;
    let endpoint = Arc::new(Endpoint {
        credential,
        host: normalize_host(&host),
        answer_timeout: options.answer_timeout,
    });
    let app = Router::new()
        .route(&format!("/{path}"), get(answer))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .with_state(endpoint);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve_until(listener, app, stopped));
    Ok(MetadataServer {
        url: format!("http://{address}/{path}"),
        stop: Some(stop),
        task,
    })
}

/// Serves HTTP/1 connections with hyper's header-read timeout until `stopped`, then shuts down
/// gracefully within [`SHUTDOWN_DEADLINE`]. Connections live in a `JoinSet`, so that dropping
/// (or aborting) this future closes them all.
async fn serve_until(listener: TcpListener, app: Router, mut stopped: oneshot::Receiver<()>) {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let service = TowerToHyperService::new(app.clone());
                    let connection =
                        graceful.watch(http.serve_connection(TokioIo::new(stream), service));
                    connections.spawn(async move {
                        if let Err(err) = connection.await {
                            tracing::debug!(%err, "metadata-service connection ended");
                        }
                    });
                }
                Err(err) => {
                    tracing::warn!(%err, "metadata-service endpoint cannot accept");
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = &mut stopped => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_DEADLINE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            open = connections.len(),
            "metadata-service connections still open after the shutdown deadline: closed"
        );
    }
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
    let token = tokio::time::timeout(endpoint.answer_timeout, endpoint.credential.token()).await;
    match token {
        Err(_) => {
            let waited = humantime::format_duration(endpoint.answer_timeout);
            tracing::warn!(%waited, "no token to serve within the answer timeout");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                &format!(
                    "no token within {waited} (--answer-timeout): the token refresh has not \
                     finished; try again later"
                ),
            )
        }
        Ok(Ok(token)) => {
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
        Ok(Err(err)) => {
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

/// Serves until SIGINT or SIGTERM (exit code 0); the first line on stdout is the URL.
pub async fn run(args: ServeArgs) -> Result<u8, Failure> {
    // Listening before anything is printed, so that a signal sent as soon as the URL is read
    // is handled, not fatal.
    let mut signals = Signals::install()?;
    let starting = async {
        let (credential, host) = credential_and_host(&args.config).await?;
        start(credential, host, args.port, args.endpoint).await
    };
    let server = tokio::select! {
        server = starting => server?,
        () = signals.wait() => return Ok(0),
    };
    outln!("{}", server.url);
    errln!("dbfed: serving tokens at that URL (DATABRICKS_METADATA_SERVICE_URL); stop with Ctrl-C");
    signals.wait().await;
    server.stop().await;
    Ok(0)
}

/// SIGINT and SIGTERM (Ctrl-C elsewhere), caught from `install` on.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(windows)]
    ctrl_c: tokio::signal::windows::CtrlC,
}

impl Signals {
    /// Replaces the signals' default action (death) with delivery to [`Signals::wait`].
    fn install() -> Result<Self, Failure> {
        let failed = |err: std::io::Error| Failure {
            code: crate::EXIT_FAILURE,
            message: format!("cannot handle signals: {err}"),
        };
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                interrupt: signal(SignalKind::interrupt()).map_err(failed)?,
                terminate: signal(SignalKind::terminate()).map_err(failed)?,
            })
        }
        #[cfg(windows)]
        {
            Ok(Signals {
                ctrl_c: tokio::signal::windows::ctrl_c().map_err(failed)?,
            })
        }
    }

    /// Resolves at the next signal, or at once for one that came since `install`.
    async fn wait(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(windows)]
        self.ctrl_c.recv().await;
    }
}
