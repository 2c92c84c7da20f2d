//! The safety net at the boundary: a panic anywhere inside a call into the extension (a bug of
//! dbfed) is caught and raised as `dbfed.DbfedError` ("dbfed internal error (a bug; please report
//! it): …"), which `except Exception` catches; never pyo3's `PanicException` (a `BaseException`),
//! never an answer lost as "runtime stopped". While a guarded call runs, the panic hook prints
//! nothing (the exception carries the panic's message and place); elsewhere (a background task
//! of the core) the default hook reports it. The hook is this library's own: every Rust
//! extension carries its own standard library, so the host's other extensions keep theirs.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::sync::Once;
use std::task::Poll;

use pyo3::prelude::*;

use crate::errors;

/// The most of a panic's message kept, in bytes (core panic messages are short and hold no
/// secret; the bound keeps an unexpected one from flooding an error).
const MAX_MESSAGE: usize = 300;

thread_local! {
    /// How many guarded calls this thread is inside of.
    static GUARDED: Cell<usize> = const { Cell::new(0) };
    /// The last panic of this thread inside a guarded call, as the hook described it.
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A panic caught at the boundary: its message and place, as the exception says them.
#[derive(Debug)]
pub(crate) struct Panic(String);

impl Panic {
    /// The `dbfed.DbfedError` raised for it.
    pub(crate) fn to_py_err(&self, py: Python<'_>) -> PyErr {
        errors::base_error(
            py,
            &format!("dbfed internal error (a bug; please report it): {}", self.0),
        )
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

/// Runs `body` with the GIL-holding caller's `py`, a panic in it raised as `DbfedError`.
pub(crate) fn guard<T>(py: Python<'_>, body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch(body).unwrap_or_else(|panic| Err(panic.to_py_err(py)))
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

/// Internal, for dbfed's own tests of this safety net (not part of the API): panics on purpose
/// in a sync call (`how="call"`), in a task a sync call waits for (`"blocking"`), or in the task
/// of a coroutine (`"async"`, which returns that coroutine).
#[pyfunction]
pub(crate) fn _panic_for_tests<'py>(py: Python<'py>, how: &str) -> PyResult<Bound<'py, PyAny>> {
    fn boom() -> dbfed::Result<()> {
        panic!("a panic for dbfed's tests")
    }
    match how {
        "call" => guard(py, || {
            boom().map_err(|err| errors::to_py_err(py, &err))?;
            Ok(py.None().into_bound(py))
        }),
        "blocking" => {
            crate::runtime::block_on(py, async { boom() })?
                .map_err(|err| errors::to_py_err(py, &err))?;
            Ok(py.None().into_bound(py))
        }
        "async" => crate::coroutine::coroutine(
            py,
            None,
            || Box::pin(async { boom() }),
            |py, ()| Ok(py.None()),
        ),
        _ => Err(errors::config_error(py, "how: call, blocking or async")),
    }
}
