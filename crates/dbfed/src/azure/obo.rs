//! [`AzureOnBehalfOf`]: for Azure Databricks apps whose users sign in with Microsoft Entra, each
//! user's Entra token exchanged (OAuth 2.0 on-behalf-of) for one for Azure Databricks, cached
//! per user like [`UserExchanger`](crate::UserExchanger)'s.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::runtime::Handle;
use url::Url;

use super::app::{AppSettings, ClientAuth, EntraApp};
use super::{ASSUMED_LIFETIME, AZURE_DATABRICKS_RESOURCE_ID};
use crate::error::Result;
use crate::exchange::post_token_request;
use crate::http::{HttpClient, HttpOptions};
use crate::options::{Description, UserCache as UserCacheOptions};
use crate::retry::RetryPolicy;
use crate::source::SubjectTokenSource;
use crate::token::{AccessToken, Secret, SubjectToken};
use crate::user::{UserCache, UserStats, UserTokenProvider, UserTokens};

/// The grant type of an on-behalf-of request (RFC 7523 JWT bearer).
const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// Azure Databricks tokens for the signed-in users of an Entra application, obtained with each
/// user's own Entra token through the on-behalf-of grant and cached per user. Cheap to clone;
/// clones share the cache.
///
/// ```rust,no_run
/// # async fn run(user_entra_token: &str) -> dbfed::Result<()> {
/// let on_behalf_of = dbfed::AzureOnBehalfOf::builder()
///     .tenant_id("72f988bf-86f1-41af-91ab-2d7cd011db47")
///     .client_id("3f2504e0-4f89-41d3-9a0c-0305e82c3301") // the app the users' tokens are for
///     .client_secret(std::env::var("APP_CLIENT_SECRET").unwrap_or_default())
///     .expected_audience("api://3f2504e0-4f89-41d3-9a0c-0305e82c3301")
///     .build()?;
/// let token = on_behalf_of.token_for(user_entra_token).await?;
/// # let _ = token;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct AzureOnBehalfOf {
    users: Arc<UserCache>,
    description: Arc<Description>,
}

impl AzureOnBehalfOf {
    /// Starts configuring an on-behalf-of exchanger.
    pub fn builder() -> AzureOnBehalfOfBuilder {
        AzureOnBehalfOfBuilder::default()
    }

    /// An Azure Databricks token acting as the user whose Entra access token (issued to this
    /// application) is `user_token`: from the cache, or after one request shared by all
    /// concurrent callers for that user.
    pub async fn token_for(&self, user_token: &str) -> Result<AccessToken> {
        self.users.token_for(user_token).await
    }

    /// The user's cached token if it can be had without waiting (no I/O); `None` when a request
    /// is needed, in which case call [`AzureOnBehalfOf::token_for`].
    #[inline]
    pub fn cached_token_for(&self, user_token: &str) -> Option<AccessToken> {
        self.users.cached(user_token)
    }

    /// Forgets the user's `token` if it is still the cached one (call it after the API answered
    /// 401 to that token); returns whether it did.
    pub fn invalidate_token_for(&self, user_token: &str, token: &AccessToken) -> bool {
        self.users.invalidate(user_token, token)
    }

    /// Counters of cached users, hits, misses, token requests and evictions.
    pub fn stats(&self) -> UserStats {
        self.users.stats()
    }

    /// What the exchanger shows of itself: its type and non-secret settings.
    pub fn describe(&self) -> &Description {
        &self.description
    }
}

impl fmt::Debug for AzureOnBehalfOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.description, f)
    }
}

impl From<AzureOnBehalfOf> for UserTokens {
    fn from(on_behalf_of: AzureOnBehalfOf) -> Self {
        UserTokens::new(on_behalf_of.users, on_behalf_of.description)
    }
}

/// One on-behalf-of request at the tenant's v2 endpoint.
#[derive(Debug)]
struct OnBehalfOf {
    http: HttpClient,
    retry: RetryPolicy,
    app: EntraApp,
    token_url: Url,
    scope: String,
}

impl UserTokenProvider for OnBehalfOf {
    fn fetch<'a>(&'a self, user: &'a SubjectToken) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let auth = self.app.client_auth().await?;
            let mut form = vec![
                ("grant_type", JWT_BEARER_GRANT),
                ("client_id", self.app.client_id()),
            ];
            form.extend(auth.iter().map(|(name, value)| (*name, value.expose())));
            form.extend([
                ("assertion", user.jwt()),
                ("scope", self.scope.as_str()),
                ("requested_token_use", "on_behalf_of"),
            ]);
            post_token_request(
                &self.http,
                &self.retry,
                "on-behalf-of token request",
                &self.token_url,
                &form,
                ASSUMED_LIFETIME,
            )
            .await
        })
    }
}

/// Configures an [`AzureOnBehalfOf`]: the Entra application that receives the users' tokens
/// (tenant, client id, and its client secret or client assertion), and optionally the scope,
/// cache size and local checks.
#[derive(Default)]
#[must_use]
pub struct AzureOnBehalfOfBuilder {
    app: AppSettings,
    scope: Option<String>,
    http: HttpOptions,
    retry: RetryPolicy,
    runtime: Option<Handle>,
    cache: UserCacheOptions,
}

impl AzureOnBehalfOfBuilder {
    /// Reads `AZURE_AUTHORITY_HOST`, `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, and
    /// `AZURE_CLIENT_SECRET` or else `AZURE_FEDERATED_TOKEN_FILE`, where set; settings made
    /// after this call win.
    pub fn from_env(mut self) -> Self {
        self.app.read_env();
        self
    }

    /// The Entra tenant (directory) id or domain.
    pub fn tenant_id(mut self, tenant_id: impl Into<String>) -> Self {
        self.app.tenant_id = Some(tenant_id.into());
        self
    }

    /// The application (client) id of the app the users' tokens were issued to.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.app.client_id = Some(client_id.into());
        self
    }

    /// The Entra authority host (default `https://login.microsoftonline.com`).
    pub fn authority_host(mut self, host: impl Into<String>) -> Self {
        self.app.authority_host = Some(host.into());
        self
    }

    /// Authenticates the application with a client secret.
    pub fn client_secret(mut self, secret: impl Into<Secret>) -> Self {
        self.app.auth = Some(ClientAuth::Secret(secret.into()));
        self
    }

    /// Authenticates the application with a JWT from `source` as client assertion, asked for
    /// at every token request.
    pub fn client_assertion(self, source: impl SubjectTokenSource) -> Self {
        self.shared_client_assertion(Arc::new(source))
    }

    /// [`client_assertion`](Self::client_assertion) with a shared source.
    pub fn shared_client_assertion(mut self, source: Arc<dyn SubjectTokenSource>) -> Self {
        self.app.auth = Some(ClientAuth::Assertion(source));
        self
    }

    /// The scope requested (default `2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/user_impersonation`).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Timeouts and TLS settings (proxies come from `HTTPS_PROXY`, `NO_PROXY`).
    pub fn http_options(mut self, options: HttpOptions) -> Self {
        self.http = options;
        self
    }

    /// Retry rules for token requests.
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

    /// Answers a user token Entra rejected with that rejection for `ttl`, without asking again
    /// (default off).
    pub fn negative_cache(mut self, ttl: Duration) -> Self {
        self.cache.negative_cache = Some(ttl.into());
        self
    }

    /// Refuses, without a request, user tokens whose `iss` is not this one (call again to
    /// accept several), e.g. `https://login.microsoftonline.com/{tenant}/v2.0`.
    pub fn expected_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.cache
            .expected_issuers
            .get_or_insert_default()
            .push(issuer.into());
        self
    }

    /// Refuses, without a request, user tokens whose `aud` lacks this one (call again to accept
    /// several), e.g. the application's client id or `api://…` URI.
    pub fn expected_audience(mut self, audience: impl Into<String>) -> Self {
        self.cache
            .expected_audiences
            .get_or_insert_default()
            .push(audience.into());
        self
    }

    /// How long past its `exp` a user's token is still accepted (default zero).
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
    pub fn build(self) -> Result<AzureOnBehalfOf> {
        let description = self.app.describe(Description::new("AzureOnBehalfOf"));
        let description = self
            .cache
            .describe(description.text("scope", self.scope.as_deref()))?;
        let app = self.app.build()?;
        let scope = self
            .scope
            .filter(|scope| !scope.trim().is_empty())
            .unwrap_or_else(|| format!("{AZURE_DATABRICKS_RESOURCE_ID}/user_impersonation"));
        let provider = OnBehalfOf {
            http: HttpClient::new(&self.http)?,
            retry: self.retry,
            token_url: app.v2_token_url()?,
            app,
            scope,
        };
        let users = UserCache::new(Arc::new(provider), self.cache.config()?, self.runtime)?;
        Ok(AzureOnBehalfOf {
            users: Arc::new(users),
            description: Arc::new(description),
        })
    }
}
