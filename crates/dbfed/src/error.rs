//! The one error type of dbfed: an enum a caller can match, with the context needed to act on it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The result type of every fallible dbfed call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The underlying cause of an error, shared so that errors stay cheap to clone.
pub type Cause = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong while getting a Databricks token.
///
/// Messages never contain a token, a JWT or a secret.
#[derive(Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is incomplete or invalid (caught before any network call).
    #[error("configuration error: {message}")]
    Config {
        /// What is wrong, in words.
        message: String,
    },

    /// The subject-token source could not produce a JWT.
    #[error("subject token source `{source_name}`: {message}")]
    Source {
        /// Which source failed (`env`, `file`, `callback`, …).
        source_name: String,
        /// What went wrong, in words.
        message: String,
        /// The underlying error, when there is one.
        #[source]
        cause: Option<Cause>,
    },

    /// The server answered with an error: the exchange (or a discovery request) was refused.
    #[error("{0}")]
    Rejected(Rejection),

    /// The request did not complete: connection refused or dropped, timeout, TLS failure.
    #[error("request to {endpoint} failed: {message}")]
    Transport {
        /// The URL that was called.
        endpoint: String,
        /// What went wrong, in words.
        message: String,
        /// Whether the failure is of a kind worth retrying (connect error, timeout, dropped connection).
        retryable: bool,
        /// The underlying error.
        #[source]
        cause: Option<Cause>,
    },

    /// The server answered, but not with something dbfed can use.
    #[error("unusable response from {endpoint}: {reason}")]
    Malformed {
        /// The URL that answered.
        endpoint: String,
        /// HTTP status code of the answer.
        status: u16,
        /// What is wrong with it.
        reason: String,
    },
}

/// The broad kind of an [`Error`], for bindings and callers that only branch on the kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// See [`Error::Config`].
    Config,
    /// See [`Error::Source`].
    Source,
    /// See [`Error::Rejected`].
    Rejected,
    /// See [`Error::Transport`].
    Transport,
    /// See [`Error::Malformed`].
    Malformed,
}

impl Error {
    /// The broad kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config { .. } => ErrorKind::Config,
            Error::Source { .. } => ErrorKind::Source,
            Error::Rejected(_) => ErrorKind::Rejected,
            Error::Transport { .. } => ErrorKind::Transport,
            Error::Malformed { .. } => ErrorKind::Malformed,
        }
    }

    /// The HTTP status of the server's answer, for rejected and malformed responses.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Rejected(Rejection { status, .. }) | Error::Malformed { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// Whether retrying the same request may succeed (429, 502, 503, 504, connect errors, timeouts).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Rejected(rejection) => matches!(rejection.status, 429 | 502 | 503 | 504),
            Error::Transport { retryable, .. } => *retryable,
            _ => false,
        }
    }

    /// The server-requested delay before a retry, if any.
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Rejected(rejection) => rejection.retry_after,
            _ => None,
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
        }
    }

    pub(crate) fn source(source_name: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Source {
            source_name: source_name.into(),
            message: message.into(),
            cause: None,
        }
    }

    pub(crate) fn source_with_cause(
        source_name: impl Into<String>,
        message: impl Into<String>,
        cause: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Error::Source {
            source_name: source_name.into(),
            message: message.into(),
            cause: Some(Arc::from(cause.into())),
        }
    }
}

/// A server's refusal: the answer's status and the server's own words, as [`Error::Rejected`]
/// carries them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rejection {
    /// HTTP status code of the answer.
    pub status: u16,
    /// The URL that answered.
    pub endpoint: String,
    /// The server's error code (`invalid_grant`, `TEMPORARILY_UNAVAILABLE`, …), when it sent one.
    pub error: Option<String>,
    /// The server's explanation, when it sent one.
    pub description: Option<String>,
    /// The server's request id, when it sent one (quote it to Databricks support).
    pub request_id: Option<String>,
    /// How long the server asked us to wait (`Retry-After`), when it did.
    pub retry_after: Option<Duration>,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Rejection {
            status, endpoint, ..
        } = self;
        write!(f, "{endpoint} refused the request (HTTP {status})")?;
        match (&self.error, &self.description) {
            (Some(error), Some(description)) => write!(f, ": {error}: {description}"),
            (Some(text), None) | (None, Some(text)) => write!(f, ": {text}"),
            (None, None) => Ok(()),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every field is free of secrets by construction; show the variant and its message.
        f.debug_struct("Error")
            .field("kind", &self.kind())
            .field("message", &self.to_string())
            .finish()
    }
}
