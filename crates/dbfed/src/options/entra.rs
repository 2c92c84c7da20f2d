//! The Azure options: [`EntraApp`] (an Entra application and how it proves itself),
//! [`AzureOptions`] (an `AzureCredential`) and [`OnBehalfOfOptions`] (an `AzureOnBehalfOf`).

use std::sync::Arc;

use super::{Network, Networked, UserCache};
use crate::azure::{AzureCredentialBuilder, AzureOnBehalfOf, AzureOnBehalfOfBuilder};
use crate::credential::Credential;
use crate::error::{Error, Result};
use crate::source::SubjectTokenSource;
use crate::token::Secret;

/// An Entra application: its tenant and client id, and at most one way to prove itself.
#[derive(Clone, Debug, Default)]
pub struct EntraApp {
    /// `tenant_id`: the tenant (directory) id or domain.
    pub tenant_id: Option<String>,
    /// `client_id`: the application (client) id; with a managed identity, a user-assigned one.
    pub client_id: Option<String>,
    /// `client_secret`.
    pub client_secret: Option<Secret>,
    /// `client_assertion`: a source of JWTs presented as federated client assertions (audience
    /// `api://AzureADTokenExchange`), asked at every Entra request.
    pub client_assertion: Option<Arc<dyn SubjectTokenSource>>,
    /// `authority_host` (default `https://login.microsoftonline.com`).
    pub authority_host: Option<String>,
}

/// How the application authenticates, once checked.
enum Proof {
    Secret(Secret),
    Assertion(Arc<dyn SubjectTokenSource>),
}

impl EntraApp {
    /// The one way to authenticate given, if any.
    fn proof(&self) -> Result<Option<Proof>> {
        match (&self.client_secret, &self.client_assertion) {
            (Some(_), Some(_)) => Err(Error::config(
                "give `client_secret` or `client_assertion`, not both",
            )),
            (Some(secret), None) => Ok(Some(Proof::Secret(secret.clone()))),
            (None, Some(source)) => Ok(Some(Proof::Assertion(source.clone()))),
            (None, None) => Ok(None),
        }
    }
}

/// Applies an [`EntraApp`] to a builder of either Azure type (the same methods on two types).
macro_rules! with_app {
    ($builder:expr, $app:expr, $proof:expr) => {{
        let (mut builder, app) = ($builder, $app);
        if let Some(tenant_id) = &app.tenant_id {
            builder = builder.tenant_id(tenant_id.clone());
        }
        if let Some(client_id) = &app.client_id {
            builder = builder.client_id(client_id.clone());
        }
        if let Some(host) = &app.authority_host {
            builder = builder.authority_host(host.clone());
        }
        match $proof {
            Some(Proof::Secret(secret)) => builder.client_secret(secret),
            Some(Proof::Assertion(source)) => builder.shared_client_assertion(source),
            None => builder,
        }
    }};
}

/// An Azure Databricks credential with Microsoft Entra tokens (no exchange): client secret,
/// client assertion, or managed identity.
#[derive(Clone, Debug, Default)]
pub struct AzureOptions {
    /// The application, for client credentials (with a managed identity: only `client_id`).
    pub app: EntraApp,
    /// `managed_identity`: the managed identity of the VM, container or pod.
    pub managed_identity: bool,
    /// `imds_endpoint`: where a managed identity's tokens come from (default IMDS).
    pub imds_endpoint: Option<String>,
    /// `resource` (default the Azure Databricks resource id).
    pub resource: Option<String>,
    /// Start from the Azure Identity environment variables (`AzureCredential.from_env`).
    pub from_env: bool,
    /// HTTP settings.
    pub network: Network,
}

impl AzureOptions {
    /// Checks the options and builds the credential; no network call is made yet.
    pub fn build(&self) -> Result<Credential> {
        self.builder()?.build()
    }

    /// The checked builder.
    pub fn builder(&self) -> Result<AzureCredentialBuilder> {
        let proof = self.app.proof()?;
        if self.managed_identity && proof.is_some() {
            return Err(Error::config(
                "a managed identity takes no `client_secret` or `client_assertion`",
            ));
        }
        if !self.managed_identity && self.imds_endpoint.is_some() {
            return Err(Error::config(
                "`imds_endpoint` is for a managed identity (set `managed_identity`)",
            ));
        }
        let mut builder = Credential::azure().network(&self.network)?;
        if self.from_env {
            builder = builder.from_env();
        }
        builder = with_app!(builder, &self.app, proof);
        if self.managed_identity {
            builder = builder.managed_identity();
        }
        if let Some(url) = &self.imds_endpoint {
            builder = builder.imds_endpoint(url.clone());
        }
        if let Some(resource) = &self.resource {
            builder = builder.resource(resource.clone());
        }
        Ok(builder)
    }
}

/// Azure Databricks tokens acting as the signed-in users of an Entra application (the OAuth
/// on-behalf-of grant), cached per user.
#[derive(Clone, Debug, Default)]
pub struct OnBehalfOfOptions {
    /// The application the users' tokens are for, and how it proves itself.
    pub app: EntraApp,
    /// `scope` (default `2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/user_impersonation`).
    pub scope: Option<String>,
    /// The per-user cache settings.
    pub cache: UserCache,
    /// Start from the Azure Identity environment variables.
    pub from_env: bool,
    /// HTTP settings.
    pub network: Network,
}

impl OnBehalfOfOptions {
    /// Checks the options and builds the exchanger; no network call is made yet.
    pub fn build(&self) -> Result<AzureOnBehalfOf> {
        self.builder()?.build()
    }

    /// The checked builder.
    pub fn builder(&self) -> Result<AzureOnBehalfOfBuilder> {
        let proof = self.app.proof()?;
        let mut builder = AzureOnBehalfOf::builder().network(&self.network)?;
        if self.from_env {
            builder = builder.from_env();
        }
        builder = with_app!(builder, &self.app, proof);
        if let Some(scope) = &self.scope {
            builder = builder.scope(scope.clone());
        }
        Ok(builder.cache_options(self.cache.clone()))
    }
}
