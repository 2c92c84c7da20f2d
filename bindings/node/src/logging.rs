//! `setLogger`: the core's log records (`dbfed::log_events`) handed to a JavaScript function.
//! The package wraps the user's function so that it never throws into the threadsafe call
//! (which would end the process).

use std::str::FromStr;
use std::sync::Arc;

use dbfed::log_events::{self, LogSink};
use napi::bindgen_prelude::Function;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status};
use napi_derive::napi;
use tracing::level_filters::LevelFilter;

use crate::errors;

/// Records waiting for the JavaScript thread beyond the core's queue; more are dropped.
const JS_QUEUE_CAPACITY: usize = 1024;

/// One log record of dbfed.
#[napi(object)]
pub struct LogRecord {
    /// The logger's name, `dbfed.cache`, `dbfed.credential`, …
    pub logger: String,
    /// `error`, `warn`, `info`, `debug` or `trace`.
    pub level: String,
    /// The message followed by the event's fields, `message key=value …`.
    pub message: String,
}

/// The function, callable from any thread; weak, so that it never keeps the process alive.
type JsLogger =
    ThreadsafeFunction<LogRecord, (), LogRecord, Status, false, true, JS_QUEUE_CAPACITY>;

struct ToJavaScript(JsLogger);

impl LogSink for ToJavaScript {
    fn deliver(&self, record: log_events::LogRecord) {
        let record = LogRecord {
            logger: record.logger,
            level: record.level.as_str().to_ascii_lowercase(),
            message: record.message,
        };
        // Queue full or the environment gone: the record is dropped, nothing waits.
        let _ = self.0.call(record, ThreadsafeFunctionCallMode::NonBlocking);
    }
}

/// Sends dbfed's log records at `level` (`error` … `trace`) or more severe to `logger`, replacing
/// the logger set before; no logger (or level `off`) stops them.
#[napi]
#[cfg_attr(
    test,
    allow(
        dead_code,
        reason = "napi registers its functions outside of test builds only"
    )
)]
pub fn set_logger(
    env: Env,
    logger: Option<Function<LogRecord, ()>>,
    level: String,
) -> napi::Result<()> {
    let level = LevelFilter::from_str(&level).map_err(|_| {
        errors::config(
            &env,
            format!("level must be error, warn, info, debug, trace or off, not {level:?}"),
        )
    })?;
    let sink = match logger {
        Some(logger) => {
            let function: JsLogger = logger
                .build_threadsafe_function()
                .weak::<true>()
                .max_queue_size::<JS_QUEUE_CAPACITY>()
                .build()?;
            Some(Arc::new(ToJavaScript(function)) as Arc<dyn LogSink>)
        }
        None => None,
    };
    log_events::forward_to(sink, level).map_err(|err| errors::config(&env, err.to_string()))
}
