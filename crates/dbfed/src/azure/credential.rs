//! [`AzureCredentialBuilder`]: a [`Credential`] whose tokens are Microsoft Entra tokens for Azure
//! Databricks, obtained with a client secret, a federated client assertion or a managed
//! identity, and cached by the same rules as every other credential's.

use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;
use tokio::runtime::Handle;
use url::Url;

use super::app::{AppSettings, ClientAuth, EntraApp};
use super::imds::{
    IMDS_ENDPOINT, ManagedIdentityEndpoint, identity_endpoint_url, imds_url, managed_identity_token,
};
use super::{ASSUMED_LIFETIME, AZURE_DATABRICKS_RESOURCE_ID};
use crate::credential::{Credential, TokenProvider};
use crate::error::Result;
use crate::exchange::post_token_request;
use crate::http::{HttpClient, HttpOptions};
use crate::options::{Description, Shown};
use crate::retry::RetryPolicy;
use crate::source::SubjectTokenSource;
use crate::token::{AccessToken, Secret};

impl Credential {
    /// Starts configuring a credential for Azure Databricks that uses Microsoft Entra tokens
    /// directly (no token exchange).
    pub fn azure() -> AzureCredentialBuilder {
        AzureCredentialBuilder::default()
    }
}

/// Configures a [`Credential`] for Azure Databricks with Microsoft Entra tokens: set a tenant and
/// client id and a client secret or client assertion, or use a managed identity.
///
/// ```rust,no_run
/// use dbfed::{Credential, source};
///
/// # async fn run() -> dbfed::Result<()> {
/// // Workload identity federation: a JWT from any dbfed source is the client assertion.
/// let credential = Credential::azure()
///     .tenant_id("72f988bf-86f1-41af-91ab-2d7cd011db47")
///     .client_id("5e7b2a31-2222-4333-8444-6f6f6f6f6f6f")
///     .client_assertion(source::File::new("/var/run/secrets/azure/tokens/azure-identity-token"))
///     .build()?;
/// // On AKS with workload identity, the same from the webhook's variables:
/// let from_env = Credential::azure().from_env().build()?;
/// // On an Azure VM, container or pod with a managed identity (on App Service, Functions and
/// // Container Apps, `from_env()` picks their identity endpoint up):
/// let managed = Credential::azure().managed_identity().build()?;
///
/// let token = credential.token().await?; // Authorization: Bearer <Entra token>
/// # let _ = (token, from_env, managed);
/// # Ok(())
/// # }
/// ```
#[derive(Default)]
#[must_use]
pub struct AzureCredentialBuilder {
    app: AppSettings,
    from_env: bool,
    managed_identity: bool,
    imds_endpoint: Option<String>,
    identity_endpoint: Option<(String, Secret)>,
    resource: Option<String>,
    http: HttpOptions,
    retry: RetryPolicy,
    runtime: Option<Handle>,
}

impl AzureCredentialBuilder {
    /// Reads the standard Azure Identity variables that are set: `AZURE_AUTHORITY_HOST`,
    /// `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, and `AZURE_CLIENT_SECRET` or else
    /// `AZURE_FEDERATED_TOKEN_FILE` (workload identity: the file is read at every token
    /// request); `AZURE_POD_IDENTITY_AUTHORITY_HOST` moves the IMDS endpoint; `IDENTITY_ENDPOINT`
    /// with `IDENTITY_HEADER` (App Service, Functions, Container Apps) is the managed identity's
    /// endpoint, used when neither a secret nor a token file is set. Settings made after this
    /// call win.
    pub fn from_env(mut self) -> Self {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|value| !value.trim().is_empty())
        };
        self.app.read_env();
        self.from_env = true;
        if let Some(host) = var("AZURE_POD_IDENTITY_AUTHORITY_HOST") {
            let host = host.trim().trim_end_matches('/');
            self.imds_endpoint = Some(format!("{host}/metadata/identity/oauth2/token"));
        }
        if let (Some(endpoint), Some(header)) = (var("IDENTITY_ENDPOINT"), var("IDENTITY_HEADER")) {
            self = self.identity_endpoint(endpoint, header);
            if !self.app.has_auth() {
                self.managed_identity = true;
            }
        }
        self
    }

    /// The Entra tenant (directory) id or domain.
    pub fn tenant_id(mut self, tenant_id: impl Into<String>) -> Self {
        self.app.tenant_id = Some(tenant_id.into());
        self
    }

    /// The application (client) id; with a managed identity, the user-assigned identity's.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.app.client_id = Some(client_id.into());
        self
    }

    /// The Entra authority host (default `https://login.microsoftonline.com`; e.g.
    /// `https://login.microsoftonline.us` for US Government).
    pub fn authority_host(mut self, host: impl Into<String>) -> Self {
        self.app.authority_host = Some(host.into());
        self
    }

    /// The resource the tokens are for (default the Azure Databricks resource id).
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }

    /// Authenticates the application with a client secret.
    pub fn client_secret(mut self, secret: impl Into<Secret>) -> Self {
        self.app.auth = Some(ClientAuth::Secret(secret.into()));
        self.managed_identity = false;
        self
    }

    /// Authenticates the application with a JWT from `source` as client assertion (workload
    /// identity federation); the source is asked, for audience `api://AzureADTokenExchange`,
    /// at every Entra token request.
    pub fn client_assertion(self, source: impl SubjectTokenSource) -> Self {
        self.shared_client_assertion(Arc::new(source))
    }

    /// [`client_assertion`](Self::client_assertion) with a shared source.
    pub fn shared_client_assertion(mut self, source: Arc<dyn SubjectTokenSource>) -> Self {
        self.app.auth = Some(ClientAuth::Assertion(source));
        self.managed_identity = false;
        self
    }

    /// Uses the managed identity of the Azure VM, container or pod, through IMDS, or through
    /// the [`identity_endpoint`](Self::identity_endpoint) when one is set (a user-assigned
    /// identity when [`client_id`](Self::client_id) is set).
    pub fn managed_identity(mut self) -> Self {
        self.managed_identity = true;
        self
    }

    /// The IMDS token endpoint (default `http://169.254.169.254/metadata/identity/oauth2/token`);
    /// plain http is allowed only to that address and to loopback.
    pub fn imds_endpoint(mut self, url: impl Into<String>) -> Self {
        self.imds_endpoint = Some(url.into());
        self
    }

    /// The managed identity endpoint of App Service, Functions or Container Apps
    /// (`IDENTITY_ENDPOINT`) and the secret its requests carry (`IDENTITY_HEADER`), used by
    /// [`managed_identity`](Self::managed_identity) instead of IMDS; plain http is allowed only
    /// to loopback and link-local addresses.
    pub fn identity_endpoint(mut self, url: impl Into<String>, header: impl Into<Secret>) -> Self {
        self.identity_endpoint = Some((url.into(), header.into()));
        self
    }

    /// Timeouts and TLS settings (proxies come from `HTTPS_PROXY`, `NO_PROXY`; IMDS is never proxied).
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

    /// Checks the configuration and builds the credential; no network call is made yet.
    pub fn build(self) -> Result<Credential> {
        let description = self.describe();
        let resource = self
            .resource
            .filter(|resource| !resource.trim().is_empty())
            .unwrap_or_else(|| AZURE_DATABRICKS_RESOURCE_ID.to_owned());
        let method = if self.managed_identity {
            let endpoint = match self.identity_endpoint {
                Some((url, header)) => ManagedIdentityEndpoint::AppService {
                    url: identity_endpoint_url(&url)?,
                    header,
                },
                None => ManagedIdentityEndpoint::Imds(imds_url(
                    self.imds_endpoint.as_deref().unwrap_or(IMDS_ENDPOINT),
                )?),
            };
            Method::ManagedIdentity {
                endpoint,
                client_id: self.app.client_id.filter(|id| !id.trim().is_empty()),
            }
        } else {
            let app = self.app.build()?;
            Method::Application {
                token_url: app.v1_token_url()?,
                app,
            }
        };
        let http = match method {
            Method::ManagedIdentity { .. } => HttpClient::direct(&self.http)?,
            Method::Application { .. } => HttpClient::new(&self.http)?,
        };
        let provider = EntraTokens {
            http,
            retry: self.retry,
            resource,
            method,
        };
        Ok(Credential::from_provider(
            Arc::new(provider),
            description,
            self.runtime,
            None,
        ))
    }

    /// What the credential will show: what was set (after `from_env`, only how it was made).
    fn describe(&self) -> Description {
        let mut description = Description::new("AzureCredential");
        if self.from_env {
            description = description.constructor("from_env");
        } else {
            description = self.app.describe(description);
        }
        if self.managed_identity {
            description = description.field("managed_identity", Shown::Flag(true));
        }
        if !self.from_env {
            description = description
                .text("imds_endpoint", self.imds_endpoint.as_deref())
                .text("resource", self.resource.as_deref());
        }
        description
    }
}

/// Fetches Entra tokens for one resource, by one method.
struct EntraTokens {
    http: HttpClient,
    retry: RetryPolicy,
    resource: String,
    method: Method,
}

enum Method {
    /// Client credentials at the tenant's v1 endpoint (`resource=`, as the Databricks SDKs do).
    Application { app: EntraApp, token_url: Url },
    /// A managed identity, from IMDS or an App Service identity endpoint.
    ManagedIdentity {
        endpoint: ManagedIdentityEndpoint,
        client_id: Option<String>,
    },
}

impl EntraTokens {
    async fn fetch_token(&self) -> Result<AccessToken> {
        match &self.method {
            Method::Application { app, token_url } => {
                let auth = app.client_auth().await?;
                let mut form = vec![
                    ("grant_type", "client_credentials"),
                    ("client_id", app.client_id()),
                ];
                form.extend(auth.iter().map(|(name, value)| (*name, value.expose())));
                form.push(("resource", &self.resource));
                post_token_request(
                    &self.http,
                    &self.retry,
                    "Entra token request",
                    token_url,
                    &form,
                    ASSUMED_LIFETIME,
                )
                .await
            }
            Method::ManagedIdentity {
                endpoint,
                client_id,
            } => {
                managed_identity_token(
                    &self.http,
                    &self.retry,
                    endpoint,
                    &self.resource,
                    client_id.as_deref(),
                )
                .await
            }
        }
    }
}

impl TokenProvider for EntraTokens {
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken>> {
        Box::pin(self.fetch_token())
    }
}

impl fmt::Debug for EntraTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("EntraTokens");
        match &self.method {
            Method::Application { app, .. } => debug.field("app", app),
            Method::ManagedIdentity { client_id, .. } => debug.field(
                "managed_identity",
                &client_id.as_deref().unwrap_or("system-assigned"),
            ),
        };
        debug.field("resource", &self.resource).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn a_way_to_authenticate_is_required_and_secrets_stay_hidden() {
        let none = Credential::azure().tenant_id("t").client_id("c").build();
        assert!(matches!(none, Err(Error::Config { .. })));
        let unsafe_imds = Credential::azure()
            .managed_identity()
            .imds_endpoint("http://10.1.2.3/metadata/identity/oauth2/token")
            .build();
        assert!(matches!(unsafe_imds, Err(Error::Config { .. })));
        let credential = Credential::azure()
            .tenant_id("t")
            .client_id("c")
            .client_secret("s3cr3t-value")
            .build()
            .unwrap();
        let shown = format!("{credential:?}");
        assert!(
            shown.contains("client_secret: <redacted>") && !shown.contains("s3cr3t-value"),
            "{shown}"
        );
        let managed = Credential::azure().managed_identity().build().unwrap();
        assert!(format!("{managed:?}").contains("managed_identity: true"));
    }
}
