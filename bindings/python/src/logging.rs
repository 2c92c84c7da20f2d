//! The core's `tracing` events, forwarded to Python's `logging` (logger `dbfed` and its children,
//! `dbfed.cache`, `dbfed.credential`, …).
//!
//! The thread that logs never takes the GIL: it may be a runtime thread, or hold a lock a Python
//! thread is waiting for. Events are queued (bounded; dropped when full) and one thread of their
//! own hands them to Python, until Python shuts down (the queue is flushed then, see
//! `at_exit`). The core writes no token, JWT or secret into an event.
//!
//! `logging` is imported when dbfed is, on the importing thread: the first thread to import
//! `threading` is the one Python takes for its main thread, and if that were the forwarding
//! thread, which never ends, `threading._shutdown` would wait for it forever at exit.

use std::fmt::{self, Write as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyAny;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{LevelFilter, filter_fn};
use tracing_subscriber::layer::{Context, SubscriberExt};

/// Events waiting for the forwarding thread; beyond this many, new ones are dropped.
const QUEUE_CAPACITY: usize = 1024;
/// The longest `flush` waits for the queued events to reach `logging`.
const FLUSH_DEADLINE: Duration = Duration::from_secs(1);
/// How often `flush` looks again.
const FLUSH_POLL_INTERVAL: Duration = Duration::from_millis(1);

/// One event, ready for Python.
struct Record {
    logger: String,
    level: u8,
    message: String,
}

/// The queue to the forwarding thread of this process (empty until the first event, and again
/// right after a fork, since the thread does not survive it).
static QUEUE: ArcSwapOption<SyncSender<Record>> = ArcSwapOption::const_empty();
/// Events queued and not yet handed to Python (or dropped).
static PENDING: AtomicUsize = AtomicUsize::new(0);
/// `logging.getLogger`, imported by `install`.
static GET_LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Imports `logging` on the calling (importing) thread and routes the core's events to it. Sets
/// no subscriber if the process already has a global `tracing` subscriber (another extension
/// module set one).
pub(crate) fn install(py: Python<'_>) -> PyResult<()> {
    GET_LOGGER.import(py, "logging", "getLogger")?;
    let only_dbfed = filter_fn(|metadata| metadata.target().starts_with("dbfed"));
    let subscriber = tracing_subscriber::registry().with(
        ToPythonLogging
            .with_filter(only_dbfed)
            .with_filter(LevelFilter::DEBUG),
    );
    let _already_set = tracing::subscriber::set_global_default(subscriber);
    Ok(())
}

/// Waits, with the GIL released and for at most [`FLUSH_DEADLINE`], until the forwarding
/// thread has handed every queued event to Python. For dbfed's `atexit` hook.
pub(crate) fn flush(py: Python<'_>) {
    py.detach(|| {
        let deadline = Instant::now() + FLUSH_DEADLINE;
        while PENDING.load(Ordering::SeqCst) != 0 && Instant::now() < deadline {
            std::thread::sleep(FLUSH_POLL_INTERVAL);
        }
    });
}

/// Forgets the parent's queue in a child process right after `fork()` (leaked, not dropped: its
/// internal locks may have been held by a thread that the child does not have).
pub(crate) fn after_fork_in_child() {
    std::mem::forget(QUEUE.swap(None));
    PENDING.store(0, Ordering::SeqCst);
}

struct ToPythonLogging;

impl<S: Subscriber> Layer<S> for ToPythonLogging {
    fn on_event(&self, event: &Event<'_>, _context: Context<'_, S>) {
        let metadata = event.metadata();
        let mut text = EventText::default();
        event.record(&mut text);
        enqueue(Record {
            logger: metadata.target().replace("::", "."),
            level: python_level(*metadata.level()),
            message: text.finish(),
        });
    }
}

/// The `logging` level number of a `tracing` level.
fn python_level(level: Level) -> u8 {
    match level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        Level::DEBUG => 10,
        Level::TRACE => 5,
    }
}

/// An event's message followed by its fields, `message key=value key=value`.
#[derive(Default)]
struct EventText {
    message: String,
    fields: String,
}

impl EventText {
    fn finish(mut self) -> String {
        if !self.fields.is_empty() {
            if !self.message.is_empty() {
                self.message.push(' ');
            }
            self.message.push_str(&self.fields);
        }
        self.message
    }
}

impl Visit for EventText {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            if !self.fields.is_empty() {
                self.fields.push(' ');
            }
            let _ = write!(self.fields, "{}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.record_debug(field, &value);
        }
    }
}

fn enqueue(record: Record) {
    let queue = match QUEUE.load_full() {
        Some(queue) => queue,
        None => start_forwarding(),
    };
    PENDING.fetch_add(1, Ordering::SeqCst);
    match queue.try_send(record) {
        Ok(()) => {}
        Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
            // Queue full, or no forwarding thread (it could not start, or Python shut down):
            // logging is best effort.
            PENDING.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Starts the forwarding thread and publishes its queue (if two threads race, the loser's
/// queue is dropped and its thread ends).
fn start_forwarding() -> Arc<SyncSender<Record>> {
    let (sender, receiver) = sync_channel(QUEUE_CAPACITY);
    let sender = Arc::new(sender);
    let spawned = std::thread::Builder::new()
        .name("dbfed-log".into())
        .spawn(move || forward(receiver));
    if spawned.is_err() {
        return sender;
    }
    let previous = QUEUE.compare_and_swap(&None::<Arc<SyncSender<Record>>>, Some(sender.clone()));
    match previous.as_ref() {
        None => sender,
        Some(winner) => winner.clone(),
    }
}

/// The forwarding thread's body: `deliver`, with a Python thread state kept for its whole life.
fn forward(receiver: Receiver<Record>) {
    crate::thread_state::adopt();
    deliver(receiver);
    crate::thread_state::release();
}

/// Hands every queued record to Python until the queue is dropped or Python shuts down.
fn deliver(receiver: Receiver<Record>) {
    for record in receiver {
        let delivered = crate::thread_state::attach(|py| {
            // A failing handler is the application's business; `logging` reports it itself.
            let _ = emit(py, &record);
        });
        PENDING.fetch_sub(1, Ordering::SeqCst);
        if delivered.is_none() {
            return;
        }
    }
}

fn emit(py: Python<'_>, record: &Record) -> PyResult<()> {
    let logger = GET_LOGGER
        .import(py, "logging", "getLogger")?
        .call1((record.logger.as_str(),))?;
    if logger
        .call_method1("isEnabledFor", (record.level,))?
        .is_truthy()?
    {
        logger.call_method1("log", (record.level, "%s", record.message.as_str()))?;
    }
    Ok(())
}
