//! The options objects of the package's classes as the core's option values
//! (`dbfed::options`): durations in milliseconds become [`Span::Millis`], every other value is
//! passed as given. The core checks them all and names what is wrong.

use dbfed::Secret;
use dbfed::options::{EntraApp, Network, Networked, Retry, Span, Target, UserCache};
use napi::Env;
use napi_derive::napi;

use crate::errors;
use crate::sources::Source;

/// Retry rules for token and discovery requests; a setting left out keeps its default.
#[napi(object)]
pub struct RetryOptions {
    /// Attempts in all, the first included (1: never retry).
    pub max_attempts: Option<i64>,
    /// Upper bound of the first backoff; doubles at each retry.
    pub initial_backoff_ms: Option<f64>,
    /// Upper bound of any backoff.
    pub max_backoff_ms: Option<f64>,
    /// Time from the first attempt after which no retry starts.
    pub total_budget_ms: Option<f64>,
}

/// The HTTP settings of the options objects.
#[napi(object)]
pub struct NetworkOptions {
    /// Connect timeout (default 10 s).
    pub connect_timeout_ms: Option<f64>,
    /// Timeout of a whole request (default 30 s).
    pub request_timeout_ms: Option<f64>,
    /// A PEM file of extra CA certificates.
    pub ca_bundle: Option<String>,
    /// Retry rules.
    pub retry: Option<RetryOptions>,
}

/// The Databricks side of a credential or a user exchanger.
#[napi(object)]
pub struct TargetOptions {
    /// The workspace URL (`https://` may be omitted).
    pub host: Option<String>,
    /// The account console URL, for account-level APIs (with `accountId`).
    pub account_host: Option<String>,
    /// The Databricks account id.
    pub account_id: Option<String>,
    /// The service principal's application id (workload identity federation).
    pub client_id: Option<String>,
    /// The scopes to request (default `["all-apis"]`).
    pub scopes: Option<Vec<String>>,
    /// The audience the source's JWTs are asked for.
    pub audience: Option<String>,
    /// The token endpoint, skipping discovery.
    pub token_endpoint: Option<String>,
    /// An RFC 8414 discovery document to read the token endpoint from.
    pub discovery_url: Option<String>,
}

/// The per-user cache settings that `UserExchanger` and `AzureOnBehalfOf` share.
#[napi(object)]
pub struct CacheOptions {
    /// The most users cached (default 10,000); the least recently used is evicted beyond it.
    pub max_users: Option<i64>,
    /// How long a JWT the server refused is answered with that refusal without asking again.
    pub negative_cache_ms: Option<f64>,
    /// Issuers accepted; a JWT from another is refused without a request.
    pub expected_issuers: Option<Vec<String>>,
    /// Audiences accepted; a JWT for none of them is refused without a request.
    pub expected_audiences: Option<Vec<String>>,
    /// How long past its `exp` a user's JWT is still accepted.
    pub expiry_leeway_ms: Option<f64>,
}

/// An Entra application, without its client assertion (a source, passed on its own).
#[napi(object)]
pub struct EntraOptions {
    /// The tenant (directory) id or domain.
    pub tenant_id: Option<String>,
    /// The application (client) id; with a managed identity, a user-assigned one's.
    pub client_id: Option<String>,
    /// The application's client secret.
    pub client_secret: Option<String>,
    /// The Entra authority host.
    pub authority_host: Option<String>,
}

/// Milliseconds as the core's span.
fn millis(ms: Option<f64>) -> Option<Span> {
    ms.map(Span::Millis)
}

impl From<RetryOptions> for Retry {
    fn from(retry: RetryOptions) -> Self {
        Retry {
            max_attempts: retry.max_attempts,
            initial_backoff: millis(retry.initial_backoff_ms),
            max_backoff: millis(retry.max_backoff_ms),
            total_budget: millis(retry.total_budget_ms),
        }
    }
}

impl From<NetworkOptions> for Network {
    fn from(network: NetworkOptions) -> Self {
        Network {
            connect_timeout: millis(network.connect_timeout_ms),
            request_timeout: millis(network.request_timeout_ms),
            ca_bundle: network.ca_bundle.map(Into::into),
            retry: network.retry.map(Into::into),
        }
    }
}

impl NetworkOptions {
    /// `core` (a builder or a source) with these settings, checked by the core.
    pub(crate) fn apply<T: Networked>(self, env: &Env, core: T) -> napi::Result<T> {
        errors::checked(env, core.network(&self.into()))
    }
}

impl From<TargetOptions> for Target {
    fn from(target: TargetOptions) -> Self {
        Target {
            host: target.host,
            account_host: target.account_host,
            account_id: target.account_id,
            client_id: target.client_id,
            scopes: target.scopes,
            audience: target.audience,
            token_endpoint: target.token_endpoint,
            discovery_url: target.discovery_url,
        }
    }
}

impl From<CacheOptions> for UserCache {
    fn from(cache: CacheOptions) -> Self {
        UserCache {
            max_users: cache.max_users,
            negative_cache: millis(cache.negative_cache_ms),
            expected_issuers: cache.expected_issuers,
            expected_audiences: cache.expected_audiences,
            expiry_leeway: millis(cache.expiry_leeway_ms),
        }
    }
}

impl EntraOptions {
    /// The core's application, proving itself with `client_assertion` if given.
    pub(crate) fn app(self, client_assertion: Option<&Source>) -> EntraApp {
        EntraApp {
            tenant_id: self.tenant_id,
            client_id: self.client_id,
            client_secret: self.client_secret.map(Secret::new),
            client_assertion: client_assertion.map(|source| source.inner.clone()),
            authority_host: self.authority_host,
        }
    }
}
