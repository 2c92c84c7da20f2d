//! dbfed's `tracing` events as plain records for a language binding's own logging (feature
//! `log-events`): what every binding needs once, with only the hand-over to the language left to
//! it ([`LogSink`]).
//!
//! [`forward_to`] installs a process-wide `tracing` subscriber that keeps the events whose target
//! starts with `dbfed` at the sink's level or more severe, formats each one to a [`LogRecord`]
//! (logger `dbfed.cache`, level, `message key=value …`) and queues it (bounded; dropped when full,
//! so the thread that logs never waits). One thread of its own hands the records to the sink.
//! Without a sink the level is off, and a disabled event costs what it costs without any
//! subscriber. The core writes no token, JWT or secret into an event.

use std::fmt::{self, Write as _};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, OnceLock};

use arc_swap::ArcSwapOption;
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};

/// Records waiting for the forwarding thread; beyond this many, new ones are dropped.
pub const QUEUE_CAPACITY: usize = 1024;

/// One event of dbfed, ready for a language's logging.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogRecord {
    /// The logger's name: the event's target with `.` for `::` (`dbfed.cache`).
    pub logger: String,
    /// The event's level.
    pub level: Level,
    /// The message followed by the event's fields, `message key=value key=value`.
    pub message: String,
}

/// Where a binding's records go: called on dbfed's forwarding thread only, one record at a time.
pub trait LogSink: Send + Sync + 'static {
    /// Hands one record to the language's logging (a panic here is caught and the record lost).
    fn deliver(&self, record: LogRecord);
}

/// Why [`forward_to`] could not install its subscriber.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// The process already has a global `tracing` subscriber that is not dbfed's.
    #[error("the process already has another global tracing subscriber")]
    OtherSubscriber,
}

/// Sends dbfed's events at `level` or more severe to `sink` from now on, replacing the sink and
/// level given before; `None` (or [`LevelFilter::OFF`]) stops forwarding.
pub fn forward_to(sink: Option<Arc<dyn LogSink>>, level: LevelFilter) -> Result<(), ForwardError> {
    if !installed() {
        return Err(ForwardError::OtherSubscriber);
    }
    let level = if sink.is_some() {
        level
    } else {
        LevelFilter::OFF
    };
    SINK.store(sink.map(Arc::new));
    MAX_LEVEL.store(level_index(level), Ordering::Release);
    // Callsites cached their interest under the previous level; `LevelFilter::current()` too.
    tracing::callsite::rebuild_interest_cache();
    Ok(())
}

/// The sink records are delivered to (none: they are dropped).
static SINK: ArcSwapOption<Arc<dyn LogSink>> = ArcSwapOption::const_empty();

/// The most verbose level forwarded, as [`level_index`] numbers it (0: off).
static MAX_LEVEL: AtomicU8 = AtomicU8::new(0);

/// Whether dbfed's subscriber is the global one (set on the first call; `false` if another was).
fn installed() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::registry().with(Forwarding {
            queue: start_delivery(),
        });
        tracing::subscriber::set_global_default(subscriber).is_ok()
    })
}

/// 0 for off, 1 for ERROR … 5 for TRACE.
fn level_index(level: LevelFilter) -> u8 {
    match level.into_level() {
        None => 0,
        Some(Level::ERROR) => 1,
        Some(Level::WARN) => 2,
        Some(Level::INFO) => 3,
        Some(Level::DEBUG) => 4,
        Some(Level::TRACE) => 5,
    }
}

/// The level filter of a [`level_index`] number.
fn level_filter(index: u8) -> LevelFilter {
    match index {
        0 => LevelFilter::OFF,
        1 => LevelFilter::ERROR,
        2 => LevelFilter::WARN,
        3 => LevelFilter::INFO,
        4 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

/// The layer that turns dbfed's events into records and queues them.
struct Forwarding {
    /// `None` if the forwarding thread could not be started (logging is best effort).
    queue: Option<SyncSender<LogRecord>>,
}

impl Forwarding {
    fn wanted(metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("dbfed")
            && *metadata.level() <= level_filter(MAX_LEVEL.load(Ordering::Acquire))
    }
}

impl<S: Subscriber> Layer<S> for Forwarding {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if Self::wanted(metadata) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, _context: Context<'_, S>) -> bool {
        Self::wanted(metadata)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(level_filter(MAX_LEVEL.load(Ordering::Acquire)))
    }

    fn on_event(&self, event: &Event<'_>, _context: Context<'_, S>) {
        let Some(queue) = &self.queue else {
            return;
        };
        let metadata = event.metadata();
        let mut text = EventText::default();
        event.record(&mut text);
        // Full (or the thread gone): the record is dropped rather than the logging thread held.
        let _ = queue.try_send(LogRecord {
            logger: metadata.target().replace("::", "."),
            level: *metadata.level(),
            message: text.finish(),
        });
    }
}

/// Starts the forwarding thread; `None` if it cannot be started.
fn start_delivery() -> Option<SyncSender<LogRecord>> {
    let (sender, receiver) = sync_channel(QUEUE_CAPACITY);
    std::thread::Builder::new()
        .name("dbfed-log".into())
        .spawn(move || deliver(receiver))
        .ok()?;
    Some(sender)
}

/// The forwarding thread's body: every record to the sink of the moment.
fn deliver(receiver: Receiver<LogRecord>) {
    for record in receiver {
        if let Some(sink) = SINK.load_full() {
            let _caught = catch_unwind(AssertUnwindSafe(|| sink.deliver(record)));
        }
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
