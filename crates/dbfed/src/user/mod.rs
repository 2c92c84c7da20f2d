//! Acting for signed-in users: [`UserExchanger`] exchanges each user's own JWT for a Databricks
//! token that acts as that user, and caches it per user.

mod cache;
mod checks;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::runtime::Handle;

pub use cache::UserStats;
pub(crate) use cache::{UserCache, UserCacheConfig, UserTokenProvider};

use crate::endpoints::Endpoints;
use crate::error::Result;
use crate::exchange_client::ExchangeClient;
use crate::http::HttpOptions;
use crate::options::{Description, Target, UserCache as UserCacheOptions};
use crate::retry::RetryPolicy;
use crate::token::{AccessToken, SubjectToken};

/// Databricks tokens for the users of your service, each obtained with the user's own JWT
/// (account-wide token federation) and cached per user. Cheap to clone; clones share the cache.
///
/// Users are keyed by the SHA-256 of their JWT, never the JWT itself; at most
/// [`max_users`](UserExchangerBuilder::max_users) are kept, the least recently used going first.
/// A JWT that is not a JWT, has expired or (when configured) has an unexpected issuer or
/// audience is refused locally, without a request.
///
/// A web handler passing the request's bearer JWT through (axum):
///
/// ```rust,no_run
/// use axum::extract::State;
/// use axum::http::{HeaderMap, StatusCode, header::AUTHORIZATION};
/// use axum::{Router, routing::get};
/// use dbfed::{ErrorKind, UserExchanger};
///
/// async fn whoami(
///     State(users): State<UserExchanger>,
///     headers: HeaderMap,
/// ) -> Result<String, StatusCode> {
///     // The JWT your service authenticates the request with, passed through as it came.
///     let jwt = headers
///         .get(AUTHORIZATION)
///         .and_then(|value| value.to_str().ok())
///         .and_then(|value| value.strip_prefix("Bearer "))
///         .ok_or(StatusCode::UNAUTHORIZED)?;
///     let token = users.token_for(jwt).await.map_err(|err| match err.kind() {
///         // Not a JWT, expired, unexpected issuer or audience, or refused by Databricks.
///         ErrorKind::Source | ErrorKind::Rejected => StatusCode::UNAUTHORIZED,
///         _ => StatusCode::BAD_GATEWAY,
///     })?;
///     // Call Databricks with `token.authorization_header()`: it acts as this user.
///     Ok(format!("a Databricks token valid {}s more", token.remaining().as_secs()))
/// }
///
/// #[tokio::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let users = UserExchanger::builder()
///         .workspace("https://dbc-1234abcd-5678.cloud.databricks.com")
///         .expected_issuer("https://login.example.com") // others are refused without a request
///         .max_users(50_000)
///         .build()?;
///     let app = Router::new().route("/whoami", get(whoami)).with_state(users);
///     let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
///     axum::serve(listener, app).await?;
///     Ok(())
/// }
/// ```
#[derive(Clone)]
pub struct UserExchanger {
    users: Arc<UserCache>,
    client: Arc<ExchangeClient>,
    description: Arc<Description>,
}

impl UserExchanger {
    /// Starts configuring a user exchanger.
    pub fn builder() -> UserExchangerBuilder {
        UserExchangerBuilder::default()
    }

    /// A Databricks token acting as the user whose JWT is `user_jwt`: from the cache, or after
    /// one exchange shared by all concurrent callers for that user.
    pub async fn token_for(&self, user_jwt: &str) -> Result<AccessToken> {
        self.users.token_for(user_jwt).await
    }

    /// The user's cached token if it can be had without waiting (no I/O); `None` when an
    /// exchange is needed, in which case call [`UserExchanger::token_for`].
    #[inline]
    pub fn cached_token_for(&self, user_jwt: &str) -> Option<AccessToken> {
        self.users.cached(user_jwt)
    }

    /// Forgets the user's `token` if it is still the cached one (call it after the API answered
    /// 401 to that token); returns whether it did.
    pub fn invalidate_token_for(&self, user_jwt: &str, token: &AccessToken) -> bool {
        self.users.invalidate(user_jwt, token)
    }

    /// Counters of cached users, hits, misses, exchanges and evictions.
    pub fn stats(&self) -> UserStats {
        self.users.stats()
    }

    /// The token endpoint, discovered on first use.
    pub async fn endpoints(&self) -> Result<Endpoints> {
        Ok(self.client.endpoints().await?.as_ref().clone())
    }

    /// What the exchanger shows of itself: its type and non-secret settings.
    pub fn describe(&self) -> &Description {
        &self.description
    }
}

impl fmt::Debug for UserExchanger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.description, f)
    }
}

/// Tokens for the signed-in users of a service, whichever way they are obtained: a
/// [`UserExchanger`] or an [`AzureOnBehalfOf`](crate::AzureOnBehalfOf) (each converts into one),
/// for code that serves either. Cheap to clone; clones share the cache.
#[derive(Clone)]
pub struct UserTokens {
    users: Arc<UserCache>,
    description: Arc<Description>,
}

impl UserTokens {
    /// Per-user tokens from `users`, shown as `description`.
    pub(crate) fn new(users: Arc<UserCache>, description: Arc<Description>) -> Self {
        UserTokens { users, description }
    }

    /// A token acting as the user whose own token is `user_token`: from the cache, or after
    /// one request shared by all concurrent callers for that user.
    pub async fn token_for(&self, user_token: &str) -> Result<AccessToken> {
        self.users.token_for(user_token).await
    }

    /// The user's cached token if it can be had without waiting (no I/O).
    #[inline]
    pub fn cached_token_for(&self, user_token: &str) -> Option<AccessToken> {
        self.users.cached(user_token)
    }

    /// Forgets the user's `token` if it is still the cached one; returns whether it did.
    pub fn invalidate_token_for(&self, user_token: &str, token: &AccessToken) -> bool {
        self.users.invalidate(user_token, token)
    }

    /// Counters of cached users, hits, misses, requests, failures, evictions and refusals.
    pub fn stats(&self) -> UserStats {
        self.users.stats()
    }

    /// What the object shows of itself: its type and non-secret settings.
    pub fn describe(&self) -> &Description {
        &self.description
    }
}

impl fmt::Debug for UserTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.description, f)
    }
}

impl From<UserExchanger> for UserTokens {
    fn from(exchanger: UserExchanger) -> Self {
        UserTokens::new(exchanger.users, exchanger.description)
    }
}

/// The exchange of one user's JWT, through the client every exchange shares.
#[derive(Debug)]
struct UserExchange(Arc<ExchangeClient>);

impl UserTokenProvider for UserExchange {
    fn fetch<'a>(&'a self, user: &'a SubjectToken) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let endpoints = self.0.endpoints().await?;
            self.0.exchange(&endpoints, user).await
        })
    }
}

/// Configures a [`UserExchanger`]: a host (workspace or account), and optionally the scopes,
/// endpoints, cache size and local checks.
#[derive(Default)]
#[must_use]
pub struct UserExchangerBuilder {
    target: Target,
    cache: UserCacheOptions,
    http: HttpOptions,
    retry: RetryPolicy,
    runtime: Option<Handle>,
}

impl UserExchangerBuilder {
    /// Tokens for a workspace, e.g. `https://dbc-1234.cloud.databricks.com` (`https://` may be omitted).
    pub fn workspace(mut self, host: impl Into<String>) -> Self {
        self.target.host = Some(host.into());
        self.target.account_host = None;
        self
    }

    /// Tokens for account-level APIs, e.g. `https://accounts.cloud.databricks.com` and the account id.
    pub fn account(mut self, host: impl Into<String>, account_id: impl Into<String>) -> Self {
        self.target.account_host = Some(host.into());
        self.target.host = None;
        self.target.account_id = Some(account_id.into());
        self
    }

    /// The Databricks account id.
    pub fn account_id(mut self, account_id: impl Into<String>) -> Self {
        self.target.account_id = Some(account_id.into());
        self
    }

    /// The scopes to request (default `all-apis`); sorted and de-duplicated as the SDKs do.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.target.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// The token endpoint, skipping discovery.
    pub fn token_endpoint(mut self, url: impl Into<String>) -> Self {
        self.target.token_endpoint = Some(url.into());
        self
    }

    /// An RFC 8414 discovery document URL to read the token endpoint from.
    pub fn discovery_url(mut self, url: impl Into<String>) -> Self {
        self.target.discovery_url = Some(url.into());
        self
    }

    /// The whole exchange target at once (no `client_id` or `audience`: users' JWTs are
    /// exchanged as they are), replacing what the methods above set.
    pub fn target(mut self, target: Target) -> Self {
        self.target = target;
        self
    }

    /// Timeouts and TLS settings (proxies come from `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`).
    pub fn http_options(mut self, options: HttpOptions) -> Self {
        self.http = options;
        self
    }

    /// Retry rules for token and discovery requests.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The Tokio runtime that runs refreshes (default: the runtime current at `build`, or at
    /// the first call).
    pub fn runtime(mut self, runtime: Handle) -> Self {
        self.runtime = Some(runtime);
        self
    }

    /// The most users cached (default 10,000); beyond it the least recently used is evicted.
    pub fn max_users(mut self, max_users: usize) -> Self {
        self.cache.max_users = Some(i64::try_from(max_users).unwrap_or(i64::MAX));
        self
    }

    /// Answers a JWT the server rejected with that rejection for `ttl`, without asking again
    /// (default off: every call for a rejected JWT asks the server).
    pub fn negative_cache(mut self, ttl: Duration) -> Self {
        self.cache.negative_cache = Some(ttl.into());
        self
    }

    /// Refuses, without a request, JWTs whose `iss` is not this one (call again to accept several).
    pub fn expected_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.cache
            .expected_issuers
            .get_or_insert_default()
            .push(issuer.into());
        self
    }

    /// Refuses, without a request, JWTs whose `aud` lacks this one (call again to accept several).
    pub fn expected_audience(mut self, audience: impl Into<String>) -> Self {
        self.cache
            .expected_audiences
            .get_or_insert_default()
            .push(audience.into());
        self
    }

    /// How long past its `exp` a user's JWT is still accepted (default zero).
    pub fn expiry_leeway(mut self, leeway: Duration) -> Self {
        self.cache.expiry_leeway = Some(leeway.into());
        self
    }

    /// All the cache settings at once, replacing what the methods above set.
    pub fn cache_options(mut self, cache: UserCacheOptions) -> Self {
        self.cache = cache;
        self
    }

    /// Checks the configuration and builds the exchanger; no network call is made yet.
    pub fn build(self) -> Result<UserExchanger> {
        self.target.check_for_users()?;
        let description = self
            .cache
            .describe(self.target.describe(Description::new("UserExchanger")))?;
        let target = self.target.exchange_target(self.http, self.retry)?;
        let client = Arc::new(ExchangeClient::new(target)?);
        let users = UserCache::new(
            Arc::new(UserExchange(client.clone())),
            self.cache.config()?,
            self.runtime,
        )?;
        Ok(UserExchanger {
            users: Arc::new(users),
            client,
            description: Arc::new(description),
        })
    }
}
