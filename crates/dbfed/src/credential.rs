//! [`Credential`]: a source of Databricks tokens, obtained by exchanging the source's JWTs.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use tokio::runtime::Handle;

use crate::cache::{Stats, TokenCache};
use crate::endpoints::Endpoints;
use crate::error::{Error, Result};
use crate::exchange_client::ExchangeClient;
use crate::http::HttpOptions;
use crate::options::{Description, Shown, Target};
use crate::retry::RetryPolicy;
use crate::source::{SourceContext, SubjectTokenSource};
use crate::time;
use crate::token::{AccessToken, SubjectToken};

/// The scope requested when none is configured.
pub const DEFAULT_SCOPE: &str = "all-apis";

/// How far past its `exp` a subject JWT is still sent (the server's clock decides in the end).
const SUBJECT_EXPIRY_LEEWAY: Duration = Duration::from_secs(30);

/// Fetches a new token for a [`Credential`]; the credential's cache decides when.
pub(crate) trait TokenProvider: fmt::Debug + Send + Sync + 'static {
    /// Obtains a new token (one exchange or one token request, with retries).
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken>>;
}

/// Databricks tokens for one workspace or account, from one subject-token source, cached and
/// refreshed ahead of expiry. Cheap to clone; clones share the cache.
#[derive(Clone)]
pub struct Credential {
    cache: TokenCache,
    /// Present for token-federation credentials; `None` for those that need no exchange.
    exchanger: Option<Arc<Exchanger>>,
    /// What the credential shows of itself.
    description: Arc<Description>,
    /// The workspace URL or accounts host the tokens are for, when the credential knows it.
    host: Option<Arc<str>>,
}

impl Credential {
    /// Starts configuring a credential.
    pub fn builder() -> CredentialBuilder {
        CredentialBuilder::default()
    }

    /// A credential whose tokens come from `provider`, cached by the same rules as every other.
    pub(crate) fn from_provider(
        provider: Arc<dyn TokenProvider>,
        description: Description,
        runtime: Option<Handle>,
        host: Option<String>,
    ) -> Self {
        Self::with_parts(provider, None, description, runtime, host)
    }

    fn with_parts(
        provider: Arc<dyn TokenProvider>,
        exchanger: Option<Arc<Exchanger>>,
        description: Description,
        runtime: Option<Handle>,
        host: Option<String>,
    ) -> Self {
        let fetch = Arc::new(move || {
            let provider = provider.clone();
            Box::pin(async move { provider.fetch().await }) as _
        });
        let runtime = runtime.or_else(|| Handle::try_current().ok());
        Credential {
            cache: TokenCache::new(fetch, runtime),
            exchanger,
            description: Arc::new(description),
            host: host.map(Arc::from),
        }
    }

    /// The same credential, shown as `description` (e.g. by the constructor that made it).
    pub(crate) fn described(mut self, description: Description) -> Self {
        self.description = Arc::new(description);
        self
    }

    /// What the credential shows of itself: its type and non-secret settings.
    pub fn describe(&self) -> &Description {
        &self.description
    }

    fn exchanger(&self) -> Result<&Exchanger> {
        self.exchanger.as_deref().ok_or_else(|| {
            Error::config("this credential gets its tokens without a token exchange")
        })
    }

    /// A valid Databricks token: from the cache, or after one exchange shared by all waiting callers.
    pub async fn token(&self) -> Result<AccessToken> {
        self.cache.get().await
    }

    /// The cached token if it can be had without waiting (no I/O, lock-free); `None` when a
    /// fetch is needed, in which case call [`Credential::token`].
    #[inline]
    pub fn cached_token(&self) -> Option<AccessToken> {
        self.cache.cached()
    }

    /// How long `token` stays the cached token handed out without starting a background refresh
    /// (zero if it is not the cached one): a binding may hand it out without asking until then.
    pub fn fresh_for(&self, token: &AccessToken) -> Duration {
        self.cache.fresh_for(token)
    }

    /// The `Authorization` header value for a request: `Bearer <token>`.
    pub async fn authorization_header(&self) -> Result<String> {
        Ok(self.token().await?.authorization_header())
    }

    /// Forgets the cached token, so the next call exchanges anew.
    pub fn invalidate(&self) {
        self.cache.invalidate();
    }

    /// Forgets `token` if it is still the cached one (call it after the API answered 401 to
    /// that token); many callers reporting the same token cause a single refresh.
    pub fn invalidate_token(&self, token: &AccessToken) -> bool {
        self.cache.invalidate_token(token)
    }

    /// Counters of exchanges, cache hits, refreshes and failures.
    pub fn stats(&self) -> Stats {
        self.cache.stats()
    }

    /// The token endpoint and audience, discovered on first use (token federation only).
    pub async fn endpoints(&self) -> Result<Endpoints> {
        Ok(self.exchanger()?.endpoints().await?.as_ref().clone())
    }

    /// The workspace URL, or the accounts host, the tokens are for (`https://…`, no path), when
    /// the credential knows it: token federation and the metadata service, not Azure.
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    /// The Databricks account id, when configured (token federation only).
    pub fn account_id(&self) -> Option<&str> {
        self.exchanger.as_deref()?.client.account_id()
    }

    /// The name of the subject-token source (`env`, `github-actions`, …; token federation only).
    pub fn source_name(&self) -> Option<&str> {
        Some(self.exchanger.as_deref()?.source.name())
    }

    /// A subject JWT from the configured source, for the resolved audience, as the source gave
    /// it: not refused when expired, so a diagnosis can say so (token federation only).
    pub async fn subject_token(&self) -> Result<SubjectToken> {
        let exchanger = self.exchanger()?;
        let endpoints = exchanger.endpoints().await?;
        exchanger.source_token(&endpoints.audience).await
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.description, f)
    }
}

/// One subject-token source and the client that exchanges its JWTs; shared by the cache's fetches.
struct Exchanger {
    client: ExchangeClient,
    source: Arc<dyn SubjectTokenSource>,
}

impl fmt::Debug for Exchanger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenExchange")
            .field("client", &self.client)
            .field("source", &self.source)
            .finish()
    }
}

impl TokenProvider for Exchanger {
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken>> {
        Box::pin(self.exchange())
    }
}

impl Exchanger {
    async fn endpoints(&self) -> Result<Arc<Endpoints>> {
        self.client.endpoints().await
    }

    /// The source's JWT for `audience`.
    async fn source_token(&self, audience: &str) -> Result<SubjectToken> {
        self.source
            .subject_token(&SourceContext::new(audience))
            .await
    }

    /// The source's JWT for `audience`, refused if it has expired (no exchange could succeed).
    async fn subject_token(&self, audience: &str) -> Result<SubjectToken> {
        let subject = self.source_token(audience).await?;
        let Some(claims) = subject.claims() else {
            tracing::debug!(
                source = self.source.name(),
                "subject token is not a decodable JWT"
            );
            return Ok(subject);
        };
        tracing::debug!(
            source = self.source.name(),
            iss = ?claims.iss, sub = ?claims.sub, aud = ?claims.aud, exp = ?claims.exp,
            "subject token"
        );
        if let Some(expires_at) = claims.expires_at()
            && time::wall_after(expires_at, SUBJECT_EXPIRY_LEEWAY) < SystemTime::now()
        {
            return Err(Error::source(
                self.source.name(),
                format!(
                    "the subject JWT expired at {} (iss {:?}, sub {:?}); the source must supply a fresh one",
                    time::http_date(expires_at),
                    claims.iss.unwrap_or_default(),
                    claims.sub.unwrap_or_default(),
                ),
            ));
        }
        Ok(subject)
    }

    async fn exchange(&self) -> Result<AccessToken> {
        let endpoints = self.endpoints().await?;
        let subject = self.subject_token(&endpoints.audience).await?;
        self.client.exchange(&endpoints, &subject).await
    }
}

/// Configures a [`Credential`]. Set a host (workspace or account) and a source; the rest has
/// sensible defaults.
#[derive(Debug, Default)]
#[must_use]
pub struct CredentialBuilder {
    target: Target,
    source: Option<Arc<dyn SubjectTokenSource>>,
    http: HttpOptions,
    retry: RetryPolicy,
    runtime: Option<Handle>,
}

impl CredentialBuilder {
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

    /// The Databricks account id; for a workspace it makes the default audience the account id.
    pub fn account_id(mut self, account_id: impl Into<String>) -> Self {
        self.target.account_id = Some(account_id.into());
        self
    }

    /// The service principal's application id (workload identity federation); leave unset for
    /// account-wide federation.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.target.client_id = Some(client_id.into());
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

    /// The audience the subject JWT should carry (default: see [`crate::AudienceOrigin`]).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.target.audience = Some(audience.into());
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

    /// The whole exchange target at once, replacing what the methods above set.
    pub fn target(mut self, target: Target) -> Self {
        self.target = target;
        self
    }

    /// Where the subject JWTs come from.
    pub fn source(self, source: impl SubjectTokenSource) -> Self {
        self.shared_source(Arc::new(source))
    }

    /// Where the subject JWTs come from, as a shared trait object.
    pub fn shared_source(mut self, source: Arc<dyn SubjectTokenSource>) -> Self {
        self.source = Some(source);
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

    /// Checks the configuration and builds the credential; no network call is made yet.
    pub fn build(self) -> Result<Credential> {
        let source = self
            .source
            .ok_or_else(|| Error::config("no subject-token source: set a `source`"))?;
        source.check()?;
        let client = ExchangeClient::new(self.target.exchange_target(self.http, self.retry)?)?;
        let description = self
            .target
            .describe(Description::new("Credential"))
            .field("source", Shown::Object(Box::new(source.describe())));
        let host = client.host().to_owned();
        let exchanger = Arc::new(Exchanger { client, source });
        Ok(Credential::with_parts(
            exchanger.clone(),
            Some(exchanger),
            description,
            self.runtime,
            Some(host),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Fixed;

    #[test]
    fn build_checks_the_configuration() {
        let missing_source = Credential::builder().workspace("example.com").build();
        assert!(matches!(missing_source, Err(Error::Config { .. })));
        let missing_host = Credential::builder().source(Fixed::new("jwt")).build();
        assert!(matches!(missing_host, Err(Error::Config { .. })));
        let plain_http = Credential::builder()
            .workspace("http://example.com")
            .source(Fixed::new("jwt"))
            .build();
        assert!(matches!(plain_http, Err(Error::Config { .. })));
        let no_account_id = Credential::builder()
            .account("accounts.cloud.databricks.com", " ")
            .source(Fixed::new("jwt"))
            .build();
        assert!(matches!(no_account_id, Err(Error::Config { .. })));
    }

    #[test]
    fn host_is_the_configured_workspace_or_accounts_host_without_path() {
        let workspace = Credential::builder()
            .workspace("dbc-1.cloud.databricks.com/?o=123")
            .source(Fixed::new("jwt"))
            .build()
            .unwrap();
        let account = Credential::builder()
            .account("https://accounts.cloud.databricks.com/", "acc-1")
            .source(Fixed::new("jwt"))
            .build()
            .unwrap();

        assert_eq!(workspace.host(), Some("https://dbc-1.cloud.databricks.com"));
        assert_eq!(
            account.host(),
            Some("https://accounts.cloud.databricks.com")
        );
    }

    #[test]
    fn debug_shows_no_secret() {
        let credential = Credential::builder()
            .workspace("example.com")
            .client_id("sp-app-id")
            .source(Fixed::new("header.payload.signature-secret"))
            .build()
            .unwrap();
        let shown = format!("{credential:?}");
        assert!(
            shown.contains("sp-app-id") && !shown.contains("signature-secret"),
            "{shown}"
        );
    }
}
