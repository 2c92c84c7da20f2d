//! `Source`: where the subject JWTs come from, one named constructor per core source, and the
//! bridge to the Kotlin `SubjectTokenProvider` that applications implement for a source of
//! their own (`CallbackBridge`, `CallbackReply`).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dbfed::SubjectTokenSource;
use dbfed::source;
use futures::channel::oneshot;

use crate::shown::render;

/// Internal: the bridge from the library to the Kotlin `SubjectTokenProvider` (hand-written in
/// the JVM package, `ProviderBridge`), which catches whatever the provider throws (an `Error`
/// too) and checks what it returns, so that every call is answered at once. Applications
/// implement `SubjectTokenProvider` and pass it to `Source.callback`, never this.
#[uniffi::export(foreign)]
pub trait CallbackBridge: Send + Sync {
    /// Starts call `call` of the provider for `audience`; its answer goes to `reply`, exactly once.
    fn start(&self, call: u64, audience: String, reply: Arc<CallbackReply>);
    /// Cancels call `call` (it timed out, or its exchange was abandoned); its answer is not
    /// needed any more.
    fn cancel(&self, call: u64);
}

/// Internal: where the Kotlin `ProviderBridge` puts the answer of one call (see
/// [`CallbackBridge`]). Only the first answer counts.
#[derive(uniffi::Object)]
pub struct CallbackReply {
    sender: Mutex<Option<oneshot::Sender<Result<String, String>>>>,
}

#[uniffi::export]
impl CallbackReply {
    /// The provider returned `jwt`.
    pub fn succeed(&self, jwt: String) {
        self.answer(Ok(jwt));
    }

    /// The provider gave no JWT: `reason` says why (what it threw, or what it returned instead).
    pub fn fail(&self, reason: String) {
        self.answer(Err(reason));
    }
}

impl CallbackReply {
    fn answer(&self, answer: Result<String, String>) {
        let sender = self.sender.lock().ok().and_then(|mut sender| sender.take());
        if let Some(sender) = sender {
            // The call's future is gone if it timed out; nobody needs the answer then.
            let _ = sender.send(answer);
        }
    }
}

/// One call of the provider, cancelled through the bridge if dropped before its answer came.
struct PendingCall {
    bridge: Arc<dyn CallbackBridge>,
    call: u64,
    answered: bool,
}

impl Drop for PendingCall {
    fn drop(&mut self) {
        if !self.answered {
            self.bridge.cancel(self.call);
        }
    }
}

/// The numbers of the provider's calls, for cancelling one.
static NEXT_CALL: AtomicU64 = AtomicU64::new(0);

/// One call of the provider through `bridge`: started on a blocking thread (the provider's
/// code runs there until it first suspends), answered through a [`CallbackReply`].
async fn call_provider(
    bridge: Arc<dyn CallbackBridge>,
    audience: String,
) -> Result<String, String> {
    let (sender, receiver) = oneshot::channel();
    let reply = Arc::new(CallbackReply {
        sender: Mutex::new(Some(sender)),
    });
    let call = NEXT_CALL.fetch_add(1, Ordering::Relaxed);
    let mut pending = PendingCall {
        bridge: bridge.clone(),
        call,
        answered: false,
    };
    tokio::task::spawn_blocking(move || bridge.start(call, audience, reply))
        .await
        .map_err(|_| "the callback could not be started".to_owned())?;
    let answer = receiver.await;
    pending.answered = true;
    answer.map_err(|_| "the callback's answer was lost".to_owned())?
}

/// Where the subject JWTs come from. Every source is asked again at each exchange; those that
/// read a file or a variable re-read it, those that make a request cache their JWT until shortly
/// before it expires. `toString()` never shows a JWT.
#[derive(uniffi::Object)]
#[uniffi::export(Display)]
pub struct Source {
    pub(crate) inner: Arc<dyn SubjectTokenSource>,
}

impl Source {
    pub(crate) fn new(inner: impl SubjectTokenSource) -> Arc<Self> {
        Arc::new(Source {
            inner: Arc::new(inner),
        })
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&render(&self.inner.describe()))
    }
}

/// Always the same JWT (for tests, or a JWT whose lifetime you manage yourself).
#[uniffi::export]
pub fn source_fixed(jwt: String) -> Arc<Source> {
    Source::new(source::Fixed::new(jwt))
}

/// The JWT in the environment variable `name`, read anew at every exchange.
#[uniffi::export]
pub fn source_env_var(name: String) -> Arc<Source> {
    Source::new(source::EnvVar::new(name))
}

/// The JWT in the file at `path`, read anew at every exchange and trimmed.
#[uniffi::export]
pub fn source_file(path: String) -> Arc<Source> {
    Source::new(source::File::new(path))
}

/// A Kubernetes projected service-account token (the kubelet rotates the file): `path`, by
/// default `/var/run/secrets/kubernetes.io/serviceaccount/token`.
#[uniffi::export(default(path = None))]
pub fn source_kubernetes(path: Option<String>) -> Arc<Source> {
    Source::new(source::File::kubernetes(path.map(Into::into)))
}

/// GitLab CI: the ID token in `variable`, the name given to it under the job's `id_tokens:`.
#[uniffi::export]
pub fn source_git_lab(variable: String) -> Arc<Source> {
    Source::new(source::CiToken::gitlab(variable))
}

/// CircleCI: `CIRCLE_OIDC_TOKEN_V2`, else `CIRCLE_OIDC_TOKEN`.
#[uniffi::export]
pub fn source_circle_ci() -> Arc<Source> {
    Source::new(source::CiToken::circleci())
}

/// Bitbucket Pipelines: `BITBUCKET_STEP_OIDC_TOKEN` (a step with `oidc: true`).
#[uniffi::export]
pub fn source_bitbucket() -> Arc<Source> {
    Source::new(source::CiToken::bitbucket())
}

/// Runs `program` with `args` (never through a shell, no standard input) and exchanges the JWT
/// it prints, cached until shortly before it expires; `{audience}` in an argument is replaced
/// by the audience. Its output is a bare JWT or
/// `{"version": 1, "success": true, "id_token": "…", "expiration_time": …}`; when it fails,
/// the error quotes its standard error. It is killed after `timeout` (default 30 s).
/// `toString()` counts the arguments, never shows them.
#[uniffi::export(default(args = [], timeout = None))]
pub fn source_command(
    program: String,
    args: Vec<String>,
    timeout: Option<Duration>,
) -> Arc<Source> {
    let core = source::Command::new(program).args(args);
    match timeout {
        Some(timeout) => Source::new(core.timeout(timeout)),
        None => Source::new(core),
    }
}

/// Internal: the source of `Source.callback(provider, timeout)` (Kotlin, hand-written), through
/// its `ProviderBridge`. A call that has not answered within `timeout` (default 60 s) fails,
/// and is cancelled.
#[uniffi::export(default(timeout = None))]
pub fn source_from_callback_bridge(
    bridge: Arc<dyn CallbackBridge>,
    timeout: Option<Duration>,
) -> Arc<Source> {
    let core = source::Callback::new(move |context: source::SourceContext| {
        call_provider(bridge.clone(), context.audience)
    });
    match timeout {
        Some(timeout) => Source::new(core.timeout(timeout)),
        None => Source::new(core),
    }
}

/// Tries `sources` in order and exchanges the first JWT one produces; when all fail, the
/// error gives each one's reason.
#[uniffi::export]
pub fn source_chain(sources: Vec<Arc<Source>>) -> Arc<Source> {
    let core = sources.iter().fold(source::Chain::new(), |chain, source| {
        chain.with_shared(source.inner.clone())
    });
    Source::new(core)
}

#[uniffi::export]
impl Source {
    /// The source's short name, as errors give it (`github-actions`, `env`, `callback`, …).
    pub fn name(&self) -> String {
        self.inner.name().to_owned()
    }
}
