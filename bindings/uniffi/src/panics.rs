//! The safety net at the boundary: a panic inside a call into the library (a bug of dbfed) is
//! caught and returned as `DbfedError::Internal` ("dbfed internal error (a bug; please report
//! it): …"), so that it reaches Kotlin as `DbfedException.Internal`, inside the `DbfedException`
//! hierarchy, rather than as uniffi's own `InternalException` (which a `catch (e:
//! DbfedException)` misses), and never as a false "runtime stopped". While a guarded call runs,
//! the panic hook prints nothing (the error carries the panic's message and place); elsewhere
//! the default hook reports it. The hook is this library's own: every Rust library loaded into
//! the process carries its own standard library.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::sync::Once;
use std::task::Poll;

use crate::error::DbfedError;
use crate::runtime;

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
pub(crate) struct Panic(String);

impl From<Panic> for DbfedError {
    fn from(panic: Panic) -> Self {
        DbfedError::Internal {
            reason: format!(
                "dbfed internal error (a bug; please report it): {}",
                panic.0
            ),
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

/// Runs `body` of an exported function, a panic in it returned as `DbfedError::Internal`.
pub(crate) fn guard<T>(body: impl FnOnce() -> Result<T, DbfedError>) -> Result<T, DbfedError> {
    catch(body)?
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

/// A panic on purpose, for [`panic_for_tests`].
async fn boom() -> Result<(), DbfedError> {
    panic!("a panic for dbfed's tests")
}

/// Internal, for dbfed's own tests of this safety net (not part of the API): panics on purpose
/// in the call itself (`how` = `"call"`) or in the task a blocking call waits for
/// (`"blocking"`).
#[uniffi::export]
pub fn panic_for_tests(how: String) -> Result<(), DbfedError> {
    match how.as_str() {
        "call" => guard(|| futures::executor::block_on(boom())),
        "blocking" => runtime::block_on(boom()),
        _ => Err(DbfedError::config("how: call or blocking")),
    }
}

/// Internal, for dbfed's own tests of this safety net (not part of the API): panics on purpose
/// in the task of an async call.
#[uniffi::export]
pub async fn panic_for_tests_async() -> Result<(), DbfedError> {
    runtime::run(boom()).await
}
