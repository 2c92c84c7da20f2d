//! The HTTP server: one router for every part of the testkit, a front door that counts, records
//! and injects faults, and the dedicated thread and runtime it runs on.

use std::future::IntoFuture;
use std::io;
use std::sync::Arc;
use std::thread::JoinHandle;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use tokio::sync::oneshot;

use crate::buffered::BufferedRequest;
use crate::ci;
use crate::connection::{AbortableListener, ConnectionAbort};
use crate::control::{self, CONTROL_PREFIX};
use crate::databricks::{self, RequestKind};
use crate::entra;
use crate::faults;
use crate::idp;
use crate::reply::{oauth_error, platform_error};
use crate::state::{RecordedExchange, Shared};

/// The complete application.
fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .merge(idp::routes())
        .merge(databricks::routes())
        .merge(ci::routes())
        .merge(entra::routes())
        .merge(control::routes())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(shared.clone(), front_door))
        .with_state(shared)
}

async fn not_found(request: Request) -> Response {
    platform_error(
        StatusCode::NOT_FOUND,
        "ENDPOINT_NOT_FOUND",
        &format!(
            "No API found for '{} {}'",
            request.method(),
            request.uri().path()
        ),
    )
}

/// Counts and records the request, then lets a queued fault take it over if one matches.
async fn front_door(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let request = match databricks::classify(request.method(), &path) {
        RequestKind::TokenExchange => match record_exchange(&shared, request).await {
            Ok(request) => request,
            Err(response) => return response,
        },
        RequestKind::Discovery => {
            shared.lock().counters.discovery += 1;
            request
        }
        RequestKind::ApiCall => {
            shared.lock().counters.api_calls += 1;
            request
        }
        RequestKind::Other if entra::is_entra_request(request.method(), &path) => {
            match entra::record(&shared, request).await {
                Ok(request) => request,
                Err(response) => return response,
            }
        }
        RequestKind::Other => request,
    };

    let fault = if path.starts_with(CONTROL_PREFIX) {
        None
    } else {
        faults::take(&mut shared.lock(), &path)
    };
    if let Some(fault) = fault {
        tracing::debug!(?fault, %path, "dbfed-testkit: injecting fault");
        let connection = request
            .extensions()
            .get::<ConnectInfo<ConnectionAbort>>()
            .map(|ConnectInfo(connection)| connection.clone());
        if let Some(response) = faults::respond(fault, connection.as_ref()).await {
            return response;
        }
    }
    next.run(request).await
}

/// Buffers a token request's body, records it, and attaches the record for the handler.
async fn record_exchange(shared: &Shared, request: Request) -> Result<Request, Response> {
    let buffered = BufferedRequest::read(request).await;
    let exchange = RecordedExchange {
        path: buffered.parts.uri.path().to_owned(),
        content_type: buffered.content_type.clone(),
        form: buffered.form.clone(),
    };
    let mut state = shared.lock();
    state.counters.exchanges += 1;
    state.exchanges.push(exchange.clone());
    buffered.into_request(exchange).ok_or_else(|| {
        state.counters.rejections += 1;
        oauth_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request",
            "Request body is too large or could not be read",
        )
    })
}

/// The server's thread; dropping it stops the server and waits for the thread to end.
#[derive(Debug)]
pub(crate) struct ServerThread {
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Serves the testkit on `listener` from a new thread with its own single-threaded runtime.
pub(crate) fn spawn(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
) -> io::Result<ServerThread> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    listener.set_nonblocking(true)?;
    let listener = {
        let _entered = runtime.enter();
        tokio::net::TcpListener::from_std(listener)?
    };
    let app = router(shared.clone()).into_make_service_with_connect_info::<ConnectionAbort>();
    let (shutdown, shutdown_requested) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("dbfed-testkit".into())
        .spawn(move || {
            runtime.block_on(async move {
                let server = axum::serve(AbortableListener { listener, shared }, app).into_future();
                tokio::select! {
                    result = server => {
                        if let Err(error) = result {
                            tracing::error!(%error, "dbfed-testkit: server stopped");
                        }
                    }
                    _ = shutdown_requested => {}
                }
            });
            // Dropping the runtime here cancels every connection task and closes its socket.
        })?;
    Ok(ServerThread {
        shutdown: Some(shutdown),
        thread: Some(thread),
    })
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
