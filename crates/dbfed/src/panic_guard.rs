//! For the bindings: the safety net at a foreign-function boundary. A panic inside a call (a bug
//! of dbfed) is caught and becomes a [`Panic`] that each binding turns into its language's dbfed
//! error, never an abort or an exception outside dbfed's own. While a guarded call runs, the panic
//! hook prints nothing (the error carries the panic's message and place); elsewhere (a background
//! task) the previous hook reports it. Every Rust library loaded into a process carries its own
//! standard library, so the hook is the loading library's own.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::sync::Once;
use std::task::Poll;

/// The most of a panic's message kept, in bytes (dbfed's panic messages are short and hold no
/// secret; the bound keeps an unexpected one from flooding an error).
const MAX_MESSAGE: usize = 300;

thread_local! {
    /// How many guarded calls this thread is inside of.
    static GUARDED: Cell<usize> = const { Cell::new(0) };
    /// The last panic of this thread inside a guarded call, as the hook described it.
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A panic caught at the boundary; shown as "dbfed internal error (a bug; please report it): …"
/// with its message and place.
#[derive(Debug)]
pub struct Panic(String);

impl fmt::Display for Panic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "dbfed internal error (a bug; please report it): {}",
            self.0
        )
    }
}

impl std::error::Error for Panic {}

/// Runs `body`, catching a panic in it.
pub fn catch<T>(body: impl FnOnce() -> T) -> Result<T, Panic> {
    install_hook();
    GUARDED.set(GUARDED.get() + 1);
    let result = panic::catch_unwind(AssertUnwindSafe(body));
    GUARDED.set(GUARDED.get() - 1);
    result.map_err(|payload| Panic(CAUGHT.take().unwrap_or_else(|| text_of(&*payload))))
}

/// `future`, each of its polls guarded: a panic ends it with `Err(Panic)`.
pub async fn catch_future<F: Future>(future: F) -> Result<F::Output, Panic> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_caught_with_its_message_and_place_and_the_next_call_works() {
        let caught = catch(|| -> u8 { panic!("boom {}", 42) }).unwrap_err();
        let shown = caught.to_string();
        assert!(
            shown.starts_with("dbfed internal error (a bug; please report it): boom 42 (at ")
                && shown.contains("panic_guard.rs:"),
            "{shown}"
        );
        assert_eq!(catch(|| 7).unwrap(), 7);
    }

    #[test]
    fn a_long_message_is_cut_at_a_character_boundary() {
        let caught = catch(|| -> () { panic!("{}", "é".repeat(400)) }).unwrap_err();
        let shown = caught.to_string();
        assert!(shown.contains('…') && shown.len() < 400, "{}", shown.len());
    }

    #[tokio::test]
    async fn a_panicking_future_ends_with_the_panic() {
        let caught = catch_future(async { panic!("in a future") }).await;
        let caught: Result<(), Panic> = caught;
        assert!(caught.unwrap_err().to_string().contains("in a future"));
        assert_eq!(catch_future(async { 3 }).await.unwrap(), 3);
    }
}
