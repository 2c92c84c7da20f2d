//! [`Network`]: the HTTP settings every object that makes requests takes, and [`Retry`], its
//! retry rules, as a binding receives them.

use std::path::PathBuf;

use super::{Description, Shown, Span};
use crate::error::{Error, Result};
use crate::http::HttpOptions;
use crate::retry::RetryPolicy;

/// Timeouts, extra CA certificates and retry rules; a setting left out keeps its default
/// (connect 10 s, request 30 s, the system's CAs, [`RetryPolicy::default`]).
#[derive(Clone, Debug, Default)]
pub struct Network {
    /// `connect_timeout`.
    pub connect_timeout: Option<Span>,
    /// `request_timeout`: of a whole request.
    pub request_timeout: Option<Span>,
    /// `ca_bundle`: a PEM file of CA certificates to trust besides the system's.
    pub ca_bundle: Option<PathBuf>,
    /// `retry`.
    pub retry: Option<Retry>,
}

impl Network {
    /// The checked HTTP options.
    pub fn http_options(&self) -> Result<HttpOptions> {
        let mut http = HttpOptions::default();
        if let Some(timeout) = Span::optional(self.connect_timeout, "connect_timeout")? {
            http = http.connect_timeout(timeout);
        }
        if let Some(timeout) = Span::optional(self.request_timeout, "request_timeout")? {
            http = http.request_timeout(timeout);
        }
        if let Some(path) = &self.ca_bundle {
            http = http.ca_bundle(path);
        }
        Ok(http)
    }

    /// The checked retry policy.
    pub fn retry_policy(&self) -> Result<RetryPolicy> {
        self.retry
            .as_ref()
            .map_or_else(|| Ok(RetryPolicy::default()), Retry::policy)
    }

    /// Both, checked.
    pub(crate) fn checked(&self) -> Result<(HttpOptions, RetryPolicy)> {
        Ok((self.http_options()?, self.retry_policy()?))
    }
}

/// Retry rules as given; a setting left out keeps [`RetryPolicy::default`]'s.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Retry {
    /// `max_attempts`: attempts in all, the first included (at least 1; 1 never retries).
    pub max_attempts: Option<i64>,
    /// `initial_backoff`: upper bound of the first backoff.
    pub initial_backoff: Option<Span>,
    /// `max_backoff`: upper bound of any backoff.
    pub max_backoff: Option<Span>,
    /// `total_budget`: time from the first attempt after which no retry starts.
    pub total_budget: Option<Span>,
}

impl Retry {
    /// The checked policy.
    pub fn policy(&self) -> Result<RetryPolicy> {
        let mut policy = RetryPolicy::default();
        if let Some(attempts) = self.max_attempts {
            let attempts = u32::try_from(attempts)
                .ok()
                .filter(|attempts| *attempts >= 1)
                .ok_or_else(|| {
                    Error::config(format!(
                        "`max_attempts` must be at least 1 (1 never retries), not {attempts}"
                    ))
                })?;
            policy = policy.max_attempts(attempts);
        }
        if let Some(backoff) = Span::optional(self.initial_backoff, "initial_backoff")? {
            policy = policy.initial_backoff(backoff);
        }
        if let Some(backoff) = Span::optional(self.max_backoff, "max_backoff")? {
            policy = policy.max_backoff(backoff);
        }
        if let Some(budget) = Span::optional(self.total_budget, "total_budget")? {
            policy = policy.total_budget(budget);
        }
        Ok(policy)
    }
}

impl RetryPolicy {
    /// What a retry policy shows: its four settings.
    pub fn describe(&self) -> Description {
        Description::new("RetryPolicy")
            .field("max_attempts", Shown::Integer(self.max_attempts.into()))
            .field("initial_backoff", Shown::Span(self.initial_backoff))
            .field("max_backoff", Shown::Span(self.max_backoff))
            .field("total_budget", Shown::Span(self.total_budget))
    }
}

/// What takes HTTP options and a retry policy: every builder and source that makes requests.
pub trait Networked: Sized {
    /// Sets both.
    fn with_http(self, http: HttpOptions, retry: RetryPolicy) -> Self;

    /// Sets both from `network`, checked.
    fn network(self, network: &Network) -> Result<Self> {
        let (http, retry) = network.checked()?;
        Ok(self.with_http(http, retry))
    }
}

/// `Networked` for types whose `http_options` and `retry_policy` methods set the two.
macro_rules! networked {
    ($($type:ty),* $(,)?) => {$(
        impl Networked for $type {
            fn with_http(self, http: HttpOptions, retry: RetryPolicy) -> Self {
                self.http_options(http).retry_policy(retry)
            }
        }
    )*};
}

networked!(
    crate::CredentialBuilder,
    crate::UserExchangerBuilder,
    crate::AzureCredentialBuilder,
    crate::AzureOnBehalfOfBuilder,
    crate::source::GitHubActions,
    crate::source::AzureDevOps,
    crate::source::GcpMetadata,
    crate::source::OidcClientCredentials,
);
