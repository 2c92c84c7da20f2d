//! Azure Databricks with Microsoft Entra tokens: `Credential.azure` and `Credential.azureFromEnv`
//! (a credential whose tokens are Entra tokens, no exchange) and `UserTokens.onBehalfOf`
//! (per-user tokens). The JavaScript classes `AzureCredential` and `AzureOnBehalfOf`
//! (`node/lib/azure.js`) pass their options object here once per view of it, and the native
//! source of `clientAssertion`.

use dbfed::options::{AzureOptions, OnBehalfOfOptions};
use napi::Env;
use napi_derive::napi;

use crate::credential::Credential;
use crate::options::{CacheOptions, EntraOptions, NetworkOptions};
use crate::runtime;
use crate::sources::Source;
use crate::users::UserTokens;

/// The settings of an `AzureCredential` besides its Entra application.
#[napi(object)]
pub struct AzureCredentialOptions {
    /// Whether to use the managed identity of the VM, container or pod (IMDS).
    pub managed_identity: Option<bool>,
    /// The IMDS token endpoint, for a managed identity.
    pub imds_endpoint: Option<String>,
    /// The resource the tokens are for (default the Azure Databricks resource id).
    pub resource: Option<String>,
}

#[napi]
impl Credential {
    /// A credential for Azure Databricks whose tokens are Entra tokens for the Azure Databricks
    /// resource (no exchange): a client secret, a client assertion (any source) or a managed
    /// identity. No network call is made yet.
    #[napi(factory)]
    pub fn azure(
        env: Env,
        app: EntraOptions,
        client_assertion: Option<&Source>,
        options: AzureCredentialOptions,
        network: NetworkOptions,
    ) -> napi::Result<Self> {
        let azure = AzureOptions {
            app: app.app(client_assertion),
            ..azure_options(options, network)
        };
        build_azure(&env, &azure)
    }

    /// An Azure credential from the Azure Identity variables that are set (`AZURE_TENANT_ID`,
    /// `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` or `AZURE_FEDERATED_TOKEN_FILE`, …).
    #[napi(factory)]
    pub fn azure_from_env(
        env: Env,
        options: AzureCredentialOptions,
        network: NetworkOptions,
    ) -> napi::Result<Self> {
        let azure = AzureOptions {
            from_env: true,
            ..azure_options(options, network)
        };
        build_azure(&env, &azure)
    }
}

/// The core's Azure options, without an application.
fn azure_options(options: AzureCredentialOptions, network: NetworkOptions) -> AzureOptions {
    AzureOptions {
        managed_identity: options.managed_identity.unwrap_or_default(),
        imds_endpoint: options.imds_endpoint,
        resource: options.resource,
        network: network.into(),
        ..AzureOptions::default()
    }
}

/// The credential of `azure`, checked by the core.
fn build_azure(env: &Env, azure: &AzureOptions) -> napi::Result<Credential> {
    Ok(Credential {
        inner: runtime::build(env, || azure.build())?,
    })
}

#[napi]
impl UserTokens {
    /// Azure Databricks tokens acting as the users signed in to an Entra application (the
    /// on-behalf-of grant): checks the configuration and builds the exchanger; no network call
    /// is made yet.
    #[napi(factory)]
    pub fn on_behalf_of(
        env: Env,
        app: EntraOptions,
        client_assertion: Option<&Source>,
        scope: Option<String>,
        cache: CacheOptions,
        network: NetworkOptions,
    ) -> napi::Result<Self> {
        let on_behalf_of = OnBehalfOfOptions {
            app: app.app(client_assertion),
            scope,
            cache: cache.into(),
            from_env: false,
            network: network.into(),
        };
        Ok(UserTokens {
            inner: runtime::build(&env, || on_behalf_of.build())?.into(),
        })
    }
}
