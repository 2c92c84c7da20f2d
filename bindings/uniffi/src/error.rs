//! The one place where core errors become the foreign exceptions (`DbfedException` in Kotlin, a
//! sealed class; `DbfedError` in Swift, an enum). Messages are the core's, which never contain a
//! token, a JWT or a secret; a configuration error names options as Kotlin spells them
//! (`clientId`, not the core's `client_id`).

use std::borrow::Cow;
use std::time::Duration;

use dbfed::options::{camel_case, respell};

/// Everything that can go wrong while getting a Databricks token. `reason` is the whole
/// explanation in words (in Kotlin, `message` lists every field, `reason` first); the other
/// fields are there to act on.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum DbfedError {
    /// The configuration is incomplete or unsafe (caught before any request).
    #[error("{reason}")]
    Config {
        /// What is wrong, in words.
        reason: String,
    },
    /// The JWT could not be had: variable unset, file missing or empty, callback failed or
    /// timed out, JWT expired, or (for users) a local check refused it.
    #[error("{reason}")]
    Source {
        /// What went wrong, in words (the core's message).
        reason: String,
        /// Which source failed (`env`, `file`, `callback`, `github-actions`, `users`, …).
        source_name: String,
    },
    /// The server refused the request: the exchange, a discovery or an ID-token request.
    #[error("{reason}")]
    Rejected {
        /// What went wrong, in words (the core's message).
        reason: String,
        /// The HTTP status of the answer.
        status: i32,
        /// The server's error code (`invalid_grant`, `invalid_client`, …), when it sent one.
        error: Option<String>,
        /// The server's explanation, when it sent one.
        description: Option<String>,
        /// The URL that answered.
        endpoint: String,
        /// The server's request id, when it sent one (quote it to Databricks support).
        request_id: Option<String>,
        /// How long the server asked to wait before a retry (`Retry-After`), when it did.
        retry_after: Option<Duration>,
    },
    /// No answer: connection refused or dropped, timeout, TLS failure.
    #[error("{reason}")]
    Transport {
        /// What went wrong, in words (the core's message).
        reason: String,
        /// The URL that was called.
        endpoint: String,
        /// Whether the failure is of a kind worth retrying (connect error, timeout).
        retryable: bool,
    },
    /// An answer dbfed cannot use: not JSON, no `access_token`, body over 1 MiB, …
    #[error("{reason}")]
    Malformed {
        /// What went wrong, in words (the core's message).
        reason: String,
        /// The URL that answered.
        endpoint: String,
        /// The HTTP status of the answer.
        status: i32,
    },
    /// A failure of the library itself: its runtime could not start or stopped, or a bug of dbfed
    /// (a panic, caught at the boundary: "dbfed internal error (a bug; please report it): …").
    #[error("{reason}")]
    Internal {
        /// What went wrong, in words.
        reason: String,
    },
}

impl DbfedError {
    /// A configuration error for a value the core cannot take.
    pub(crate) fn config(message: impl Into<String>) -> Self {
        DbfedError::Config {
            reason: message.into(),
        }
    }
}

impl From<dbfed::Error> for DbfedError {
    fn from(err: dbfed::Error) -> Self {
        let reason = err.to_string();
        match err {
            dbfed::Error::Config { .. } => DbfedError::Config {
                reason: respell(&reason, |name| Some(Cow::Owned(camel_case(name)))).into_owned(),
            },
            dbfed::Error::Source { source_name, .. } => DbfedError::Source {
                source_name,
                reason,
            },
            dbfed::Error::Rejected(refusal) => DbfedError::Rejected {
                status: refusal.status.into(),
                error: refusal.error,
                description: refusal.description,
                endpoint: refusal.endpoint,
                request_id: refusal.request_id,
                retry_after: refusal.retry_after,
                reason,
            },
            dbfed::Error::Transport {
                endpoint,
                retryable,
                ..
            } => DbfedError::Transport {
                endpoint,
                retryable,
                reason,
            },
            dbfed::Error::Malformed {
                endpoint, status, ..
            } => DbfedError::Malformed {
                endpoint,
                status: status.into(),
                reason,
            },
            _ => DbfedError::Internal { reason },
        }
    }
}
