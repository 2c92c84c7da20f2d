//! Settings given as JavaScript options: durations in milliseconds, HTTP settings and retries
//! (which the credential, the user exchanger and every source that makes requests take), and
//! the Databricks host a credential or a user exchanger is for.

use std::time::Duration;

use dbfed::{HttpOptions, RetryPolicy};
use napi::Env;
use napi_derive::napi;

use crate::errors;

/// Retry rules for token and discovery requests; a setting left out keeps its default.
#[napi(object)]
pub struct RetryOptions {
    /// Attempts in all, the first included (1: never retry).
    pub max_attempts: Option<u32>,
    /// Upper bound of the first backoff; doubles at each retry.
    pub initial_backoff_ms: Option<f64>,
    /// Upper bound of any backoff.
    pub max_backoff_ms: Option<f64>,
    /// Time from the first attempt after which no retry starts.
    pub total_budget_ms: Option<f64>,
}

/// The HTTP settings of the options objects.
#[napi(object)]
pub struct HttpSettings {
    /// Connect timeout (default 10 s).
    pub connect_timeout_ms: Option<f64>,
    /// Timeout of a whole request (default 30 s).
    pub request_timeout_ms: Option<f64>,
    /// A PEM file of extra CA certificates.
    pub ca_bundle: Option<String>,
    /// Retry rules.
    pub retry: Option<RetryOptions>,
}

/// The Databricks host of the options objects.
#[napi(object)]
pub struct HostOptions {
    /// The workspace URL (`https://` may be omitted).
    pub host: Option<String>,
    /// The account console URL, for account-level APIs (with `accountId`).
    pub account_host: Option<String>,
    /// The Databricks account id.
    pub account_id: Option<String>,
}

/// Which Databricks host, resolved from [`HostOptions`].
pub(crate) enum Host {
    /// A workspace, and the account id if given.
    Workspace(String, Option<String>),
    /// Account-level APIs: the host and the account id.
    Account(String, String),
    /// No host (a token endpoint must be given); the account id if given.
    Unset(Option<String>),
}

/// `$builder` (of a credential or a user exchanger: the same methods, no common trait) set to
/// the host `$host`.
macro_rules! with_host {
    ($builder:expr, $host:expr) => {
        match $host {
            Host::Workspace(host, None) => $builder.workspace(host),
            Host::Workspace(host, Some(account_id)) => {
                $builder.workspace(host).account_id(account_id)
            }
            Host::Account(host, account_id) => $builder.account(host, account_id),
            Host::Unset(Some(account_id)) => $builder.account_id(account_id),
            Host::Unset(None) => $builder,
        }
    };
}
pub(crate) use with_host;

impl Host {
    pub(crate) fn from_options(env: &Env, options: HostOptions) -> napi::Result<Self> {
        match (options.host, options.account_host) {
            (Some(_), Some(_)) => Err(errors::config(
                env,
                "give `host` (a workspace) or `accountHost` (account-level APIs), not both",
            )),
            (Some(host), None) => Ok(Host::Workspace(host, options.account_id)),
            // The core says what is missing when the account id is empty.
            (None, Some(host)) => Ok(Host::Account(host, options.account_id.unwrap_or_default())),
            (None, None) => Ok(Host::Unset(options.account_id)),
        }
    }
}

/// `ms` milliseconds as a `Duration`; a negative, infinite or NaN value is a `CONFIG` error.
pub(crate) fn millis(env: &Env, what: &str, ms: f64) -> napi::Result<Duration> {
    Duration::try_from_secs_f64(ms / 1000.0).map_err(|_| {
        errors::config(
            env,
            format!("{what} must be a finite number of milliseconds ≥ 0, not {ms}"),
        )
    })
}

impl HttpSettings {
    /// The core's HTTP options; those left out keep the core's defaults.
    pub(crate) fn http_options(&self, env: &Env) -> napi::Result<HttpOptions> {
        let mut http = HttpOptions::default();
        if let Some(ms) = self.connect_timeout_ms {
            http = http.connect_timeout(millis(env, "connectTimeoutMs", ms)?);
        }
        if let Some(ms) = self.request_timeout_ms {
            http = http.request_timeout(millis(env, "requestTimeoutMs", ms)?);
        }
        if let Some(path) = &self.ca_bundle {
            http = http.ca_bundle(path);
        }
        Ok(http)
    }

    /// The core's retry policy; settings left out keep the core's defaults.
    pub(crate) fn retry_policy(&self, env: &Env) -> napi::Result<RetryPolicy> {
        let mut policy = RetryPolicy::default();
        let Some(retry) = &self.retry else {
            return Ok(policy);
        };
        if let Some(attempts) = retry.max_attempts {
            policy = policy.max_attempts(attempts);
        }
        if let Some(ms) = retry.initial_backoff_ms {
            policy = policy.initial_backoff(millis(env, "retry.initialBackoffMs", ms)?);
        }
        if let Some(ms) = retry.max_backoff_ms {
            policy = policy.max_backoff(millis(env, "retry.maxBackoffMs", ms)?);
        }
        if let Some(ms) = retry.total_budget_ms {
            policy = policy.total_budget(millis(env, "retry.totalBudgetMs", ms)?);
        }
        Ok(policy)
    }
}
