//! The one place where core errors become JavaScript values: an `Error` whose `code` is the
//! core error's kind (`CONFIG`, `SOURCE`, `REJECTED`, `TRANSPORT`, `MALFORMED`), with the
//! error's fields as properties and, in a `CONFIG` message, the options named as the package
//! spells them (`clientId`). `node/lib/errors.js` turns it into the matching class
//! (`ConfigError`, `SourceError`, `ExchangeError`, `MalformedResponseError`, `TransportError`).
//!
//! What made a source fail travels along: a JavaScript value a callback threw or rejected with
//! as `cause` (the very value), a core error (a refused request of a source) as `dbfedCause`.

use std::fmt;

use dbfed::Error;
use napi::bindgen_prelude::{Object, ToNapiValue};
use napi::{Env, JsValue, Status, sys};

use crate::panics::Panic;
use crate::spelling;

/// What a core `async` call settles its promise with (made by [`crate::panics::settle`]): the
/// value, or a rejection with the JavaScript error of the core error or of a panic.
pub enum Settled<T> {
    /// The call returned.
    Done(dbfed::Result<T>),
    /// The call panicked (a bug of dbfed).
    Panicked(Panic),
}

impl<T: ToNapiValue> ToNapiValue for Settled<T> {
    unsafe fn to_napi_value(env: sys::napi_env, settled: Self) -> napi::Result<sys::napi_value> {
        match settled {
            // SAFETY: `env` is the live environment napi settles the promise in.
            Settled::Done(Ok(value)) => unsafe { T::to_napi_value(env, value) },
            // An `Err` holding a JavaScript value rejects the promise with that value.
            Settled::Done(Err(err)) => Err(to_js(&Env::from_raw(env), &err)),
            Settled::Panicked(panic) => Err(crate::panics::to_js(&panic, &Env::from_raw(env))),
        }
    }
}

/// The JavaScript error of a core error, as a `napi::Error` that throws (or rejects with) it.
pub(crate) fn to_js(env: &Env, err: &Error) -> napi::Error {
    build(env, err).map_or_else(
        |failure| failure,
        |object| napi::Error::from(object.to_unknown()),
    )
}

/// A `CONFIG` error with `message`, for arguments the core does not take (the logging level).
pub(crate) fn config(env: &Env, message: impl Into<String>) -> napi::Error {
    to_js(
        env,
        &Error::Config {
            message: message.into(),
        },
    )
}

/// The value of a core call, or the JavaScript error of its core error.
pub(crate) fn checked<T>(env: &Env, result: dbfed::Result<T>) -> napi::Result<T> {
    result.map_err(|err| to_js(env, &err))
}

fn build<'env>(env: &'env Env, err: &Error) -> napi::Result<Object<'env>> {
    let message = match err {
        Error::Config { .. } => spelling::respelled(&err.to_string()),
        _ => err.to_string(),
    };
    let mut object = env.create_error(napi::Error::new(Status::GenericFailure, message))?;
    let code = match err {
        Error::Config { .. } => "CONFIG",
        Error::Source {
            source_name, cause, ..
        } => {
            object.set("sourceName", source_name.as_str())?;
            if let Some(cause) = cause {
                set_cause(env, &mut object, cause)?;
            }
            "SOURCE"
        }
        Error::Rejected(refusal) => {
            let retry_after_ms = refusal
                .retry_after
                .map(|delay| delay.as_secs_f64() * 1000.0);
            object.set("status", u32::from(refusal.status))?;
            object.set("endpoint", refusal.endpoint.as_str())?;
            object.set("error", refusal.error.as_deref())?;
            object.set("description", refusal.description.as_deref())?;
            object.set("requestId", refusal.request_id.as_deref())?;
            object.set("retryAfterMs", retry_after_ms)?;
            "REJECTED"
        }
        Error::Transport {
            endpoint,
            retryable,
            ..
        } => {
            object.set("endpoint", endpoint.as_str())?;
            object.set("retryable", *retryable)?;
            "TRANSPORT"
        }
        Error::Malformed {
            endpoint,
            status,
            reason,
        } => {
            object.set("status", u32::from(*status))?;
            object.set("endpoint", endpoint.as_str())?;
            object.set("description", reason.as_str())?;
            "MALFORMED"
        }
        // A kind added to the core later: still an error of the package's base class.
        _ => "DBFED",
    };
    object.set("code", code)?;
    Ok(object)
}

/// Attaches what made a source fail: the JavaScript value a callback threw, or a core error.
fn set_cause(env: &Env, object: &mut Object<'_>, cause: &dbfed::Cause) -> napi::Result<()> {
    if let Some(thrown) = cause.downcast_ref::<JsException>() {
        // Converted on the JavaScript thread, the clone gives back the value itself.
        object.set("cause", thrown.error.try_clone()?)
    } else if let Some(core) = cause.downcast_ref::<Error>() {
        object.set("dbfedCause", build(env, core)?)
    } else {
        Ok(())
    }
}

/// A value JavaScript code the core called (a source callback) threw or rejected with, carried
/// through the core as the cause of its error so that it comes back as the `cause` of the
/// `SourceError`. napi releases the value on the JavaScript thread, whichever thread drops it.
pub(crate) struct JsException {
    /// What it says (`Error: …`), for the core's message.
    description: String,
    error: napi::Error,
}

impl From<napi::Error> for JsException {
    fn from(error: napi::Error) -> Self {
        let description = if error.reason.is_empty() {
            "an exception".to_owned()
        } else {
            error.reason.clone()
        };
        JsException { description, error }
    }
}

impl fmt::Debug for JsException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("JsException")
            .field(&self.description)
            .finish()
    }
}

impl fmt::Display for JsException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description)
    }
}

impl std::error::Error for JsException {}
