//! The core's log records (`dbfed::log_events`) handed to the foreign side's logging: on the JVM,
//! the package's hand-written `Slf4jForwarding` installs a [`LogForwarder`] when the library
//! loads, which passes each record to the SLF4J logger of its name. The core writes no token, JWT
//! or secret into a record.

use std::sync::Arc;

use dbfed::log_events::{self, LogSink};
use tracing::Level;
use tracing::level_filters::LevelFilter;

use crate::error::DbfedError;
use crate::panics;

/// The level of a log record, most severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum LogLevel {
    /// A failure dbfed could not work around.
    Error,
    /// A failure dbfed worked around (a refresh that failed while a cached token still serves).
    Warn,
    /// A notable event.
    Info,
    /// What dbfed does, step by step (an exchange, a discovery, a retry).
    Debug,
    /// Finer detail still.
    Trace,
}

impl From<Level> for LogLevel {
    fn from(level: Level) -> Self {
        match level {
            Level::ERROR => LogLevel::Error,
            Level::WARN => LogLevel::Warn,
            Level::INFO => LogLevel::Info,
            Level::DEBUG => LogLevel::Debug,
            Level::TRACE => LogLevel::Trace,
        }
    }
}

impl From<LogLevel> for LevelFilter {
    fn from(level: LogLevel) -> Self {
        match level {
            LogLevel::Error => LevelFilter::ERROR,
            LogLevel::Warn => LevelFilter::WARN,
            LogLevel::Info => LevelFilter::INFO,
            LogLevel::Debug => LevelFilter::DEBUG,
            LogLevel::Trace => LevelFilter::TRACE,
        }
    }
}

/// One log record of dbfed.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct LogRecord {
    /// The logger's name: `dbfed.cache`, `dbfed.credential`, … (the event's module).
    pub logger: String,
    /// The record's level.
    pub level: LogLevel,
    /// The message followed by the event's fields, `message key=value …`.
    pub message: String,
}

/// Internal: where dbfed's log records go, implemented by the JVM package's `Slf4jForwarding`
/// (hand-written), which catches whatever the logging it calls throws. Called on dbfed's one
/// forwarding thread, one record at a time.
#[uniffi::export(foreign)]
pub trait LogForwarder: Send + Sync {
    /// Hands `record` to the platform's logging.
    fn forward(&self, record: LogRecord);
}

/// The core's sink for a foreign forwarder.
struct ToForeign(Arc<dyn LogForwarder>);

impl LogSink for ToForeign {
    fn deliver(&self, record: log_events::LogRecord) {
        self.0.forward(LogRecord {
            logger: record.logger,
            level: record.level.into(),
            message: record.message,
        });
    }
}

/// Internal: sends dbfed's log records at `level` or more severe to `forwarder` from now on,
/// replacing the one set before (the JVM package sets its SLF4J forwarder when the library
/// loads); a null `forwarder` or `level` stops them. Records are queued (bounded: dropped when
/// full, so the thread that logs never waits) and handed over on a thread of their own.
#[uniffi::export]
pub fn forward_logs(
    forwarder: Option<Arc<dyn LogForwarder>>,
    level: Option<LogLevel>,
) -> Result<(), DbfedError> {
    panics::guard(|| {
        let sink = forwarder.map(|forwarder| Arc::new(ToForeign(forwarder)) as Arc<dyn LogSink>);
        let level = level.map_or(LevelFilter::OFF, LevelFilter::from);
        log_events::forward_to(sink, level).map_err(|err| DbfedError::config(err.to_string()))
    })
}
