//! Azure Databricks with Microsoft Entra tokens: `Credential.azure` and `Credential.azureFromEnv`
//! (a `Credential` for the service itself, no token exchange), `AzureOnBehalfOf` (per-user
//! tokens) and `ClientSecret`, which keeps a client's secret out of `toString()`.

use std::fmt;
use std::sync::Arc;

use dbfed::options::{AzureOptions, Description, EntraApp, OnBehalfOfOptions, Shown};

use crate::credential::Credential;
use crate::error::DbfedError;
use crate::options::{NetworkSettings, UserCacheSettings, network, user_cache};
use crate::per_user::{build, per_user_methods};
use crate::shown::render;
use crate::source::Source;

/// A client's secret: an Entra application's or an OIDC client's secret, or an OIDC client's
/// private key (PEM). An object, not a string, so that the configs holding it show
/// `ClientSecret(<redacted>)` in their `toString()`.
#[derive(uniffi::Object)]
#[uniffi::export(Display)]
pub struct ClientSecret {
    pub(crate) secret: dbfed::Secret,
}

impl fmt::Display for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let withheld = Shown::Withheld("redacted".into());
        f.write_str(&render(
            &Description::new("ClientSecret").positional("value", withheld),
        ))
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
    /// Timeouts, CA bundle and retry rules of its requests (default: their defaults).
    #[uniffi(default)]
    pub network: Option<NetworkSettings>,
}

/// The core's Entra application of a config record's fields.
fn entra_app(
    tenant_id: Option<String>,
    client_id: Option<String>,
    client_secret: Option<Arc<ClientSecret>>,
    client_assertion: Option<Arc<Source>>,
    authority_host: Option<String>,
) -> EntraApp {
    EntraApp {
        tenant_id,
        client_id,
        client_secret: client_secret.map(|secret| secret.secret.clone()),
        client_assertion: client_assertion.map(|source| source.inner.clone()),
        authority_host,
    }
}

/// The core's Azure options of `config`, after the Azure Identity variables if `from_env`
/// (what `config` sets wins).
fn azure_options(config: AzureCredentialConfig, from_env: bool) -> AzureOptions {
    AzureOptions {
        app: entra_app(
            config.tenant_id,
            config.client_id,
            config.client_secret,
            config.client_assertion,
            config.authority_host,
        ),
        managed_identity: config.managed_identity,
        imds_endpoint: config.imds_endpoint,
        resource: config.resource,
        from_env,
        network: network(config.network),
    }
}

/// A credential for Azure Databricks whose tokens are Microsoft Entra ID tokens for the Azure
/// Databricks resource, which it accepts as they are (no token exchange); cached and
/// refreshed like every credential's. Throws `DbfedException.Config` if the configuration
/// is incomplete, contradictory or unsafe.
#[uniffi::export]
pub fn credential_azure(config: AzureCredentialConfig) -> Result<Arc<Credential>, DbfedError> {
    let azure = azure_options(config, false);
    Credential::build(|| azure.build())
}

/// `azure(config)` after reading the standard Azure Identity variables that are set:
/// `AZURE_AUTHORITY_HOST`, `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, and `AZURE_CLIENT_SECRET`
/// or else `AZURE_FEDERATED_TOKEN_FILE` (AKS workload identity; the file is read at every
/// Entra request); `AZURE_POD_IDENTITY_AUTHORITY_HOST` moves IMDS. What `config` sets wins.
#[uniffi::export(default(config = None))]
pub fn credential_azure_from_env(
    config: Option<AzureCredentialConfig>,
) -> Result<Arc<Credential>, DbfedError> {
    let azure = azure_options(config.unwrap_or_default(), true);
    Credential::build(|| azure.build())
}

/// How an `AzureOnBehalfOf` reaches Entra: the application the users' tokens were issued to
/// (`tenantId`, `clientId`, and its `clientSecret` or `clientAssertion`), the scope, and the
/// per-user cache's settings (`UserCacheSettings`).
#[derive(Clone, uniffi::Record)]
pub struct AzureOnBehalfOfConfig {
    /// The Entra tenant (directory) id or domain (required).
    #[uniffi(default = "")]
    pub tenant_id: String,
    /// The application (client) id of the app the users' tokens were issued to (required).
    #[uniffi(default = "")]
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
    /// How users' tokens are cached and which are refused without a request (default: the
    /// defaults of `UserCacheSettings`).
    #[uniffi(default)]
    pub cache: Option<UserCacheSettings>,
    /// Timeouts, CA bundle and retry rules of its requests (default: their defaults).
    #[uniffi(default)]
    pub network: Option<NetworkSettings>,
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
    inner: dbfed::UserTokens,
}

#[uniffi::export]
impl AzureOnBehalfOf {
    /// An on-behalf-of exchanger for `config`. Throws `DbfedException.Config` if the
    /// configuration is incomplete, contradictory or unsafe.
    #[uniffi::constructor]
    pub fn new(config: AzureOnBehalfOfConfig) -> Result<Arc<Self>, DbfedError> {
        let on_behalf_of = OnBehalfOfOptions {
            app: entra_app(
                Some(config.tenant_id),
                Some(config.client_id),
                config.client_secret,
                config.client_assertion,
                config.authority_host,
            ),
            scope: config.scope,
            cache: user_cache(config.cache),
            from_env: false,
            network: network(config.network),
        };
        let inner = build(|| on_behalf_of.build())?;
        Ok(Arc::new(AzureOnBehalfOf { inner }))
    }
}

per_user_methods!(AzureOnBehalfOf, user_token);
