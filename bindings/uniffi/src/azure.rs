//! Azure Databricks with Microsoft Entra tokens: `Credential.azure` and `Credential.azureFromEnv`
//! (a `Credential` for the service itself, no token exchange), `AzureOnBehalfOf` (per-user
//! tokens) and `ClientSecret`, which keeps an Entra application's secret out of `toString()`.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::credential::{Credential, authorization};
use crate::error::DbfedError;
use crate::options::{RetryPolicy, http_options, retry_policy};
use crate::source::Source;
use crate::token::{AccessToken, UserStats};
use crate::users::max_users_of;
use crate::{panics, runtime};

/// An Entra application's client secret. An object, not a string, so that the configs holding
/// it show `ClientSecret(<redacted>)` in their `toString()`.
#[derive(uniffi::Object)]
#[uniffi::export(Display)]
pub struct ClientSecret {
    secret: dbfed::Secret,
}

impl fmt::Display for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(<redacted>)")
    }
}

#[uniffi::export]
impl ClientSecret {
    /// Wraps the secret `value`.
    #[uniffi::constructor]
    pub fn new(value: String) -> Arc<Self> {
        Arc::new(ClientSecret {
            secret: dbfed::Secret::from(value),
        })
    }
}

/// How `Credential.azure` gets Microsoft Entra tokens for Azure Databricks. One way to
/// authenticate: `tenantId`, `clientId` and `clientSecret` (client credentials); `tenantId`,
/// `clientId` and `clientAssertion` (a JWT from any `Source` as federated client assertion,
/// asked for audience `api://AzureADTokenExchange` at every Entra request); or
/// `managedIdentity = true` (IMDS; `clientId` picks a user-assigned identity).
#[derive(Clone, Default, uniffi::Record)]
pub struct AzureCredentialConfig {
    /// The Entra tenant (directory) id or domain.
    #[uniffi(default)]
    pub tenant_id: Option<String>,
    /// The application (client) id; with a managed identity, the user-assigned identity's.
    #[uniffi(default)]
    pub client_id: Option<String>,
    /// The application's client secret.
    #[uniffi(default)]
    pub client_secret: Option<Arc<ClientSecret>>,
    /// A source whose JWT is the client assertion (workload identity federation).
    #[uniffi(default)]
    pub client_assertion: Option<Arc<Source>>,
    /// Uses the managed identity of the Azure VM, container or pod, from IMDS.
    #[uniffi(default = false)]
    pub managed_identity: bool,
    /// The IMDS token endpoint (default `http://169.254.169.254/metadata/identity/oauth2/token`).
    #[uniffi(default)]
    pub imds_endpoint: Option<String>,
    /// The Entra authority host (default `https://login.microsoftonline.com`).
    #[uniffi(default)]
    pub authority_host: Option<String>,
    /// The resource the tokens are for (default the Azure Databricks resource id).
    #[uniffi(default)]
    pub resource: Option<String>,
    /// Connect timeout of every request (default 10 s).
    #[uniffi(default)]
    pub connect_timeout: Option<Duration>,
    /// Timeout of every request, whole (default 30 s).
    #[uniffi(default)]
    pub request_timeout: Option<Duration>,
    /// A PEM file of CA certificates to trust besides the system's.
    #[uniffi(default)]
    pub ca_bundle: Option<String>,
    /// Retry rules (default: 5 attempts within 60 s).
    #[uniffi(default)]
    pub retry: Option<RetryPolicy>,
}

/// How an Entra application proves itself: at most one of a config's `clientSecret` and
/// `clientAssertion`, pushed onto `shown` as `toString()` shows it.
enum ClientAuth {
    Secret(dbfed::Secret),
    Assertion(Arc<dyn dbfed::SubjectTokenSource>),
}

impl ClientAuth {
    fn of(
        secret: Option<Arc<ClientSecret>>,
        assertion: Option<Arc<Source>>,
        shown: &mut Vec<String>,
    ) -> Result<Option<Self>, DbfedError> {
        match (secret, assertion) {
            (Some(_), Some(_)) => Err(DbfedError::config(
                "give `clientSecret` or `clientAssertion`, not both",
            )),
            (Some(secret), None) => {
                shown.push("clientSecret=<redacted>".to_owned());
                Ok(Some(ClientAuth::Secret(secret.secret.clone())))
            }
            (None, Some(source)) => {
                shown.push(format!("clientAssertion={source}"));
                Ok(Some(ClientAuth::Assertion(source.inner.clone())))
            }
            (None, None) => Ok(None),
        }
    }
}

/// Pushes `name="value"` onto `shown` when `value` is set.
fn show(shown: &mut Vec<String>, name: &str, value: Option<&str>) {
    if let Some(value) = value {
        shown.push(format!("{name}={value:?}"));
    }
}

/// Applies `config` to `builder` (after `fromEnv`, when it was called: what the config sets
/// wins) and builds the credential, shown as `{call}(…)`.
fn azure_credential(
    mut builder: dbfed::AzureCredentialBuilder,
    config: AzureCredentialConfig,
    call: &str,
) -> Result<Arc<Credential>, DbfedError> {
    let mut shown = Vec::new();
    show(&mut shown, "tenantId", config.tenant_id.as_deref());
    if let Some(tenant_id) = config.tenant_id {
        builder = builder.tenant_id(tenant_id);
    }
    show(&mut shown, "clientId", config.client_id.as_deref());
    if let Some(client_id) = config.client_id {
        builder = builder.client_id(client_id);
    }
    let auth = ClientAuth::of(config.client_secret, config.client_assertion, &mut shown)?;
    if config.managed_identity && auth.is_some() {
        return Err(DbfedError::config(
            "a managed identity takes no `clientSecret` or `clientAssertion`",
        ));
    }
    if !config.managed_identity && config.imds_endpoint.is_some() {
        return Err(DbfedError::config(
            "`imdsEndpoint` is for a managed identity (`managedIdentity = true`)",
        ));
    }
    builder = match auth {
        Some(ClientAuth::Secret(secret)) => builder.client_secret(secret),
        Some(ClientAuth::Assertion(source)) => builder.shared_client_assertion(source),
        None => builder,
    };
    if config.managed_identity {
        shown.push("managedIdentity=true".to_owned());
        builder = builder.managed_identity();
    }
    show(&mut shown, "imdsEndpoint", config.imds_endpoint.as_deref());
    if let Some(url) = config.imds_endpoint {
        builder = builder.imds_endpoint(url);
    }
    show(
        &mut shown,
        "authorityHost",
        config.authority_host.as_deref(),
    );
    if let Some(host) = config.authority_host {
        builder = builder.authority_host(host);
    }
    show(&mut shown, "resource", config.resource.as_deref());
    if let Some(resource) = config.resource {
        builder = builder.resource(resource);
    }
    let inner = builder
        .runtime(runtime::handle()?)
        .http_options(http_options(
            config.connect_timeout,
            config.request_timeout,
            config.ca_bundle,
        ))
        .retry_policy(retry_policy(config.retry.as_ref())?);
    let inner = panics::catch(|| inner.build())??;
    let shown = format!("{call}({})", shown.join(", "));
    Ok(Credential::wrap(inner, Some(shown)))
}

#[uniffi::export]
impl Credential {
    /// A credential for Azure Databricks whose tokens are Microsoft Entra ID tokens for the Azure
    /// Databricks resource, which it accepts as they are (no token exchange); cached and
    /// refreshed like every credential's. Throws `DbfedException.Config` if the configuration
    /// is incomplete, contradictory or unsafe.
    #[uniffi::constructor]
    pub fn azure(config: AzureCredentialConfig) -> Result<Arc<Self>, DbfedError> {
        azure_credential(dbfed::Credential::azure(), config, "Credential.azure")
    }

    /// `azure(config)` after reading the standard Azure Identity variables that are set:
    /// `AZURE_AUTHORITY_HOST`, `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, and `AZURE_CLIENT_SECRET`
    /// or else `AZURE_FEDERATED_TOKEN_FILE` (AKS workload identity; the file is read at every
    /// Entra request); `AZURE_POD_IDENTITY_AUTHORITY_HOST` moves IMDS. What `config` sets wins.
    #[uniffi::constructor(default(config = None))]
    pub fn azure_from_env(config: Option<AzureCredentialConfig>) -> Result<Arc<Self>, DbfedError> {
        runtime::in_context(|| {
            azure_credential(
                dbfed::Credential::azure().from_env(),
                config.unwrap_or_default(),
                "Credential.azureFromEnv",
            )
        })?
    }
}

/// How an `AzureOnBehalfOf` reaches Entra: the application the users' tokens were issued to
/// (`tenantId`, `clientId`, and its `clientSecret` or `clientAssertion`), the scope, and the
/// per-user cache's settings as for `UserExchangerConfig`.
#[derive(Clone, uniffi::Record)]
pub struct AzureOnBehalfOfConfig {
    /// The Entra tenant (directory) id or domain.
    pub tenant_id: String,
    /// The application (client) id of the app the users' tokens were issued to.
    pub client_id: String,
    /// The application's client secret.
    #[uniffi(default)]
    pub client_secret: Option<Arc<ClientSecret>>,
    /// A source whose JWT is the client assertion, asked at every Entra request.
    #[uniffi(default)]
    pub client_assertion: Option<Arc<Source>>,
    /// The Entra authority host (default `https://login.microsoftonline.com`).
    #[uniffi(default)]
    pub authority_host: Option<String>,
    /// The scope requested (default `2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/user_impersonation`).
    #[uniffi(default)]
    pub scope: Option<String>,
    /// The most users cached (default 10,000); the least recently used is evicted beyond it.
    #[uniffi(default)]
    pub max_users: Option<i32>,
    /// User tokens from another issuer are refused without a request (empty: any issuer).
    #[uniffi(default)]
    pub expected_issuers: Vec<String>,
    /// User tokens for none of these audiences are refused without a request (empty: any).
    #[uniffi(default)]
    pub expected_audiences: Vec<String>,
    /// How long past its `exp` a user's token is still accepted (default zero).
    #[uniffi(default)]
    pub expiry_leeway: Option<Duration>,
    /// Answers a user token Entra refused with the same error for this long, without asking
    /// again (default off).
    #[uniffi(default)]
    pub negative_cache: Option<Duration>,
    /// Connect timeout of every request (default 10 s).
    #[uniffi(default)]
    pub connect_timeout: Option<Duration>,
    /// Timeout of every request, whole (default 30 s).
    #[uniffi(default)]
    pub request_timeout: Option<Duration>,
    /// A PEM file of CA certificates to trust besides the system's.
    #[uniffi(default)]
    pub ca_bundle: Option<String>,
    /// Retry rules (default: 5 attempts within 60 s).
    #[uniffi(default)]
    pub retry: Option<RetryPolicy>,
}

/// Azure Databricks tokens acting as the signed-in users of an Entra application: each user's
/// Entra access token (issued to this application) is exchanged with the OAuth 2.0
/// on-behalf-of grant, and the result cached per user as `UserExchanger` does (keyed by the
/// token's SHA-256). A user token that is not a JWT, has expired, or fails the expected issuer
/// or audience is refused with `DbfedException.Source`, without a request. `toString()` shows no
/// secret or token.
#[derive(uniffi::Object)]
#[uniffi::export(Display)]
pub struct AzureOnBehalfOf {
    inner: dbfed::AzureOnBehalfOf,
    tenant_id: String,
    client_id: String,
}

impl fmt::Display for AzureOnBehalfOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "AzureOnBehalfOf(tenantId={:?}, clientId={:?}, users={})",
            self.tenant_id,
            self.client_id,
            self.inner.stats().entries
        )
    }
}

#[uniffi::export]
impl AzureOnBehalfOf {
    /// An on-behalf-of exchanger for `config`. Throws `DbfedException.Config` if the
    /// configuration is incomplete, contradictory or unsafe.
    #[uniffi::constructor]
    pub fn new(config: AzureOnBehalfOfConfig) -> Result<Arc<Self>, DbfedError> {
        let mut builder = dbfed::AzureOnBehalfOf::builder()
            .runtime(runtime::handle()?)
            .tenant_id(config.tenant_id.clone())
            .client_id(config.client_id.clone())
            .http_options(http_options(
                config.connect_timeout,
                config.request_timeout,
                config.ca_bundle,
            ))
            .retry_policy(retry_policy(config.retry.as_ref())?);
        builder = match ClientAuth::of(
            config.client_secret,
            config.client_assertion,
            &mut Vec::new(),
        )? {
            Some(ClientAuth::Secret(secret)) => builder.client_secret(secret),
            Some(ClientAuth::Assertion(source)) => builder.shared_client_assertion(source),
            None => builder,
        };
        if let Some(host) = config.authority_host {
            builder = builder.authority_host(host);
        }
        if let Some(scope) = config.scope {
            builder = builder.scope(scope);
        }
        if let Some(max_users) = config.max_users {
            builder = builder.max_users(max_users_of(max_users)?);
        }
        for issuer in config.expected_issuers {
            builder = builder.expected_issuer(issuer);
        }
        for audience in config.expected_audiences {
            builder = builder.expected_audience(audience);
        }
        if let Some(leeway) = config.expiry_leeway {
            builder = builder.expiry_leeway(leeway);
        }
        if let Some(ttl) = config.negative_cache {
            builder = builder.negative_cache(ttl);
        }
        Ok(Arc::new(AzureOnBehalfOf {
            inner: panics::catch(|| builder.build())??,
            tenant_id: config.tenant_id,
            client_id: config.client_id,
        }))
    }

    /// An Azure Databricks token acting as the user whose Entra access token is `userToken`:
    /// from the cache, or after one request shared by all concurrent callers for that user.
    pub async fn token_for(&self, user_token: String) -> Result<Arc<AccessToken>, DbfedError> {
        if let Some(token) = panics::catch(|| self.cached_token_for(&user_token))? {
            return Ok(token);
        }
        let users = self.inner.clone();
        runtime::run(async move { Ok(AccessToken::new(users.token_for(&user_token).await?)) }).await
    }

    /// `tokenFor(userToken)` for callers without coroutines: blocks the calling thread until a
    /// token is had (never longer than the request timeouts and retry budget).
    pub fn token_for_blocking(&self, user_token: String) -> Result<Arc<AccessToken>, DbfedError> {
        if let Some(token) = panics::catch(|| self.cached_token_for(&user_token))? {
            return Ok(token);
        }
        let users = self.inner.clone();
        runtime::block_on(async move { Ok(AccessToken::new(users.token_for(&user_token).await?)) })
    }

    /// `{"Authorization": "Bearer <token>"}` for a request made as the user of `userToken`.
    pub async fn headers_for(
        &self,
        user_token: String,
    ) -> Result<HashMap<String, String>, DbfedError> {
        Ok(authorization(&*self.token_for(user_token).await?))
    }

    /// `headersFor(userToken)` for callers without coroutines (blocks like `tokenForBlocking()`).
    pub fn headers_for_blocking(
        &self,
        user_token: String,
    ) -> Result<HashMap<String, String>, DbfedError> {
        Ok(authorization(&*self.token_for_blocking(user_token)?))
    }

    /// The user's cached token if it can be had without waiting (no I/O), else null.
    pub fn cached_token_for(&self, user_token: &str) -> Option<Arc<AccessToken>> {
        self.inner
            .cached_token_for(user_token)
            .map(AccessToken::new)
    }

    /// Forgets the user's `token` if it is still the cached one (call it after an API answered
    /// 401 to it); returns whether it did.
    pub fn invalidate_token_for(&self, user_token: &str, token: &AccessToken) -> bool {
        self.inner.invalidate_token_for(user_token, &token.inner)
    }

    /// Counters of cached users, hits, misses, token requests, failures, evictions and refusals.
    pub fn stats(&self) -> UserStats {
        self.inner.stats().into()
    }
}
