//! Azure Databricks with Microsoft Entra tokens: `Credential.azure` and `Credential.azureFromEnv`
//! (a credential whose tokens are Entra tokens, no exchange) and `AzureOnBehalfOf` (per-user
//! tokens). The JavaScript classes `AzureCredential` and `AzureOnBehalfOf`
//! (`node/lib/azure.js`) pass their options object here once per view of it, and the native
//! source of `clientAssertion`.

use std::sync::Arc;

use dbfed::SubjectTokenSource;
use napi::Env;
use napi_derive::napi;

use crate::credential::Credential;
use crate::errors::{self, Settled};
use crate::options::HttpSettings;
use crate::sources::Source;
use crate::token::{AccessToken, UserStats};
use crate::users::{CacheOptions, with_cache_options};
use crate::{panics, runtime};

/// The Entra settings of an `AzureCredential`'s options.
#[napi(object)]
pub struct AzureOptions {
    /// The Entra tenant (directory) id or domain.
    pub tenant_id: Option<String>,
    /// The application (client) id; with a managed identity, a user-assigned identity's.
    pub client_id: Option<String>,
    /// The application's client secret.
    pub client_secret: Option<String>,
    /// Whether to use the managed identity of the VM, container or pod (IMDS).
    pub managed_identity: Option<bool>,
    /// The IMDS token endpoint, for a managed identity.
    pub imds_endpoint: Option<String>,
    /// The Entra authority host (default `https://login.microsoftonline.com`).
    pub authority_host: Option<String>,
    /// The resource the tokens are for (default the Azure Databricks resource id).
    pub resource: Option<String>,
}

/// The settings of `AzureCredential.fromEnv` that no Azure Identity variable sets.
#[napi(object)]
pub struct AzureEnvOptions {
    /// Whether to use the managed identity (`AZURE_CLIENT_ID` picks a user-assigned one).
    pub managed_identity: Option<bool>,
    /// The resource the tokens are for (default the Azure Databricks resource id).
    pub resource: Option<String>,
}

/// The Entra settings of an `AzureOnBehalfOf`'s options.
#[napi(object)]
pub struct OnBehalfOfOptions {
    /// The Entra tenant id or domain.
    pub tenant_id: Option<String>,
    /// The application the users' tokens are issued to.
    pub client_id: Option<String>,
    /// The application's client secret.
    pub client_secret: Option<String>,
    /// The Entra authority host (default `https://login.microsoftonline.com`).
    pub authority_host: Option<String>,
    /// The scope requested (default the Azure Databricks `user_impersonation`).
    pub scope: Option<String>,
}

/// How an Entra application proves itself: `clientSecret` or `clientAssertion`, at most one.
enum ClientAuth {
    Secret(String),
    Assertion(Arc<dyn SubjectTokenSource>),
}

impl ClientAuth {
    fn from_options(
        env: &Env,
        secret: Option<String>,
        assertion: Option<&Source>,
    ) -> napi::Result<Option<Self>> {
        match (secret, assertion) {
            (Some(_), Some(_)) => Err(errors::config(
                env,
                "give `clientSecret` or `clientAssertion`, not both",
            )),
            (Some(secret), None) => Ok(Some(ClientAuth::Secret(secret))),
            (None, Some(source)) => Ok(Some(ClientAuth::Assertion(source.inner.clone()))),
            (None, None) => Ok(None),
        }
    }
}

/// `$builder` (an `AzureCredentialBuilder` or an `AzureOnBehalfOfBuilder`) authenticated by
/// `$auth`, an `Option<ClientAuth>`.
macro_rules! with_client_auth {
    ($builder:expr, $auth:expr) => {
        match $auth {
            Some(ClientAuth::Secret(secret)) => $builder.client_secret(secret),
            Some(ClientAuth::Assertion(source)) => $builder.shared_client_assertion(source),
            None => $builder,
        }
    };
}

#[napi]
impl Credential {
    /// A credential for Azure Databricks whose tokens are Entra tokens for the Azure Databricks
    /// resource (no exchange): a client secret, a client assertion (any source) or a managed
    /// identity. No network call is made yet.
    #[napi(factory)]
    pub fn azure(
        env: Env,
        options: AzureOptions,
        client_assertion: Option<&Source>,
        http: HttpSettings,
    ) -> napi::Result<Self> {
        let managed_identity = options.managed_identity.unwrap_or(false);
        let auth = ClientAuth::from_options(&env, options.client_secret, client_assertion)?;
        if managed_identity && auth.is_some() {
            return Err(errors::config(
                &env,
                "a managed identity takes no `clientSecret` or `clientAssertion`",
            ));
        }
        if !managed_identity && options.imds_endpoint.is_some() {
            return Err(errors::config(
                &env,
                "`imdsEndpoint` is for a managed identity (`managedIdentity: true`)",
            ));
        }
        let mut builder = dbfed::Credential::azure();
        if let Some(tenant_id) = options.tenant_id {
            builder = builder.tenant_id(tenant_id);
        }
        if let Some(client_id) = options.client_id {
            builder = builder.client_id(client_id);
        }
        builder = with_client_auth!(builder, auth);
        if managed_identity {
            builder = builder.managed_identity();
        }
        if let Some(url) = options.imds_endpoint {
            builder = builder.imds_endpoint(url);
        }
        if let Some(host) = options.authority_host {
            builder = builder.authority_host(host);
        }
        build_azure(&env, builder, options.resource, &http)
    }

    /// An Azure credential from the Azure Identity variables that are set (`AZURE_TENANT_ID`,
    /// `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` or `AZURE_FEDERATED_TOKEN_FILE`, …).
    #[napi(factory)]
    pub fn azure_from_env(
        env: Env,
        options: AzureEnvOptions,
        http: HttpSettings,
    ) -> napi::Result<Self> {
        let mut builder = dbfed::Credential::azure().from_env();
        if options.managed_identity.unwrap_or(false) {
            builder = builder.managed_identity();
        }
        build_azure(&env, builder, options.resource, &http)
    }
}

/// Sets the resource and the HTTP settings, and builds the credential.
fn build_azure(
    env: &Env,
    mut builder: dbfed::AzureCredentialBuilder,
    resource: Option<String>,
    http: &HttpSettings,
) -> napi::Result<Credential> {
    if let Some(resource) = resource {
        builder = builder.resource(resource);
    }
    builder = builder
        .http_options(http.http_options(env)?)
        .retry_policy(http.retry_policy(env)?);
    let inner = runtime::in_context(|| builder.build()).map_err(|err| errors::to_js(env, &err))?;
    Ok(Credential { inner })
}

/// Azure Databricks tokens acting as the users signed in to an Entra application (the
/// on-behalf-of grant), cached per user.
#[napi]
pub struct AzureOnBehalfOf {
    inner: dbfed::AzureOnBehalfOf,
}

#[napi]
impl AzureOnBehalfOf {
    /// Checks the configuration and builds the exchanger; no network call is made yet.
    #[napi(constructor)]
    pub fn new(
        env: Env,
        options: OnBehalfOfOptions,
        client_assertion: Option<&Source>,
        cache: CacheOptions,
        http: HttpSettings,
    ) -> napi::Result<Self> {
        let auth = ClientAuth::from_options(&env, options.client_secret, client_assertion)?;
        let mut builder = dbfed::AzureOnBehalfOf::builder();
        if let Some(tenant_id) = options.tenant_id {
            builder = builder.tenant_id(tenant_id);
        }
        if let Some(client_id) = options.client_id {
            builder = builder.client_id(client_id);
        }
        builder = with_client_auth!(builder, auth);
        if let Some(host) = options.authority_host {
            builder = builder.authority_host(host);
        }
        if let Some(scope) = options.scope {
            builder = builder.scope(scope);
        }
        builder = with_cache_options!(&env, builder, cache)
            .http_options(http.http_options(&env)?)
            .retry_policy(http.retry_policy(&env)?);
        let inner =
            runtime::in_context(|| builder.build()).map_err(|err| errors::to_js(&env, &err))?;
        Ok(AzureOnBehalfOf { inner })
    }

    /// The user's cached token if it can be had without waiting (no I/O), else null.
    #[napi(catch_unwind)]
    pub fn cached_token_for(&self, env: Env, jwt: String) -> napi::Result<Option<AccessToken>> {
        panics::guard(&env, || {
            Ok(self.inner.cached_token_for(&jwt).map(AccessToken::from))
        })
    }

    /// An Azure Databricks token acting as the user whose Entra access token is `jwt`: from the
    /// cache, or after one request shared by every caller waiting for that user.
    #[napi(ts_return_type = "Promise<AccessToken>")]
    pub async fn token_for(&self, jwt: String) -> napi::Result<Settled<AccessToken>> {
        panics::settle(async { self.inner.token_for(&jwt).await.map(AccessToken::from) }).await
    }

    /// Forgets the user's `token` if it is still the cached one; returns whether it did.
    #[napi(catch_unwind)]
    pub fn invalidate_token_for(
        &self,
        env: Env,
        jwt: String,
        token: &AccessToken,
    ) -> napi::Result<bool> {
        panics::guard(&env, || {
            Ok(self.inner.invalidate_token_for(&jwt, &token.inner))
        })
    }

    /// Counters of cached users, hits, misses, requests, evictions and refusals.
    #[napi]
    pub fn stats(&self) -> UserStats {
        self.inner.stats().into()
    }
}
