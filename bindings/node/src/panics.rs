//! The safety net at the boundary: a panic anywhere inside a call into the addon (a bug of
//! dbfed) is caught and thrown (or rejected with) as a `DbfedError` of code `INTERNAL` ("dbfed
//! internal error (a bug; please report it): …"); never an abort of the process (a panic
//! unwinding out of a napi callback aborts it), never napi's plain "Panic in async function".
//! While a guarded call runs, the panic hook prints nothing (the error carries the panic's
//! message and place); elsewhere the default hook reports it. The hook is this addon's own: every
//! Rust addon carries its own standard library.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::sync::Once;
use std::task::Poll;

use napi::{Env, JsValue, Status};
use napi_derive::napi;

use crate::errors::Settled;

/// The most of a panic's message kept, in bytes (core panic messages are short and hold no
/// secret; the bound keeps an unexpected one from flooding an error).
const MAX_MESSAGE: usize = 300;

thread_local! {
    /// How many guarded calls this thread is inside of.
    static GUARDED: Cell<usize> = const { Cell::new(0) };
    /// The last panic of this thread inside a guarded call, as the hook described it.
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A panic caught at the boundary: its message and place, as the error says them.
#[derive(Debug)]
pub struct Panic(String);

impl Panic {
    /// The JavaScript error for it: code `INTERNAL` (a `DbfedError` once `node/lib/errors.js`
    /// lifts it).
    pub(crate) fn to_js(&self, env: &Env) -> napi::Error {
        let message = format!("dbfed internal error (a bug; please report it): {}", self.0);
        let made = env
            .create_error(napi::Error::new(Status::GenericFailure, message.clone()))
            .and_then(|mut object| {
                object.set("code", "INTERNAL")?;
                Ok(object)
            });
        match made {
            Ok(object) => napi::Error::from(object.to_unknown()),
            Err(_) => napi::Error::new(Status::GenericFailure, message),
        }
    }
}

/// Runs `body`, catching a panic in it.
pub(crate) fn catch<T>(body: impl FnOnce() -> T) -> Result<T, Panic> {
    install_hook();
    GUARDED.set(GUARDED.get() + 1);
    let result = panic::catch_unwind(AssertUnwindSafe(body));
    GUARDED.set(GUARDED.get() - 1);
    result.map_err(|payload| Panic(CAUGHT.take().unwrap_or_else(|| text_of(&*payload))))
}

/// Runs `body` of a sync call, a panic in it thrown as the `INTERNAL` error.
pub(crate) fn guard<T>(env: &Env, body: impl FnOnce() -> napi::Result<T>) -> napi::Result<T> {
    catch(body).unwrap_or_else(|panic| Err(panic.to_js(env)))
}

/// `future`, each of its polls guarded: a panic ends it with `Err(Panic)`.
pub(crate) async fn catch_future<F: Future>(future: F) -> Result<F::Output, Panic> {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|context| match catch(|| future.as_mut().poll(context)) {
        Ok(Poll::Pending) => Poll::Pending,
        Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
        Err(panic) => Poll::Ready(Err(panic)),
    })
    .await
}

/// Installs the hook once: silent inside a guarded call (recording the panic for the guard),
/// the previous hook's report outside.
fn install_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if GUARDED.get() > 0 {
                CAUGHT.set(Some(describe(info)));
            } else {
                previous(info);
            }
        }));
    });
}

/// The panic's message, shortened, and where it happened.
fn describe(info: &PanicHookInfo<'_>) -> String {
    let message = text_of(info.payload());
    match info.location() {
        Some(at) => format!("{message} (at {}:{})", at.file(), at.line()),
        None => message,
    }
}

/// The message of a panic's payload, at most [`MAX_MESSAGE`] bytes.
fn text_of(payload: &(dyn Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message");
    let mut end = text.len().min(MAX_MESSAGE);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if end < text.len() {
        format!("{}…", &text[..end])
    } else {
        text.to_owned()
    }
}

/// A core `async` call, polled under the guard: what it settles its promise with.
pub(crate) async fn settle<T>(
    future: impl Future<Output = dbfed::Result<T>>,
) -> napi::Result<Settled<T>> {
    Ok(match catch_future(future).await {
        Ok(result) => Settled::Done(result),
        Err(panic) => Settled::Panicked(panic),
    })
}

/// A panic on purpose, for the test hooks below.
fn boom() -> dbfed::Result<()> {
    panic!("a panic for dbfed's tests")
}

/// Internal, for dbfed's own tests of this safety net (not part of the API): panics on purpose
/// in a sync call, which throws the `INTERNAL` error.
#[napi(js_name = "_panicForTests")]
#[cfg_attr(
    test,
    allow(
        dead_code,
        reason = "napi registers its functions outside of test builds only"
    )
)]
pub fn panic_for_tests(env: Env) -> napi::Result<()> {
    guard(&env, || {
        boom().map_err(|err| crate::errors::to_js(&env, &err))
    })
}

/// Internal, for dbfed's own tests of this safety net (not part of the API): panics on purpose
/// in an `async` call, whose promise rejects with the `INTERNAL` error.
#[napi(js_name = "_panicForTestsAsync", ts_return_type = "Promise<void>")]
#[cfg_attr(
    test,
    allow(
        dead_code,
        reason = "napi registers its functions outside of test builds only"
    )
)]
pub async fn panic_for_tests_async() -> napi::Result<Settled<()>> {
    settle(async { boom() }).await
}
