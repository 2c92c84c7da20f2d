//! Finding the token endpoint and the default audience, as the official SDKs do, once per credential.

use std::sync::Arc;

use serde::Deserialize;
use tokio::sync::Mutex;
use url::Url;

use crate::error::{Error, Result};
use crate::http::{HttpClient, display_url, secure_url};
use crate::retry::RetryPolicy;

/// Where tokens are exchanged and which audience the subject JWT should carry.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Endpoints {
    /// The token endpoint URL.
    pub token_endpoint: String,
    /// How the token endpoint was found.
    pub token_endpoint_origin: EndpointOrigin,
    /// The audience requested from the subject-token source.
    pub audience: String,
    /// Why this audience was chosen.
    pub audience_origin: AudienceOrigin,
}

/// How the token endpoint was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointOrigin {
    /// Configured explicitly.
    Configured,
    /// From the configured discovery URL (RFC 8414 document).
    DiscoveryUrl,
    /// From the host's `/.well-known/databricks-config` and the OIDC discovery document it names.
    HostMetadata,
    /// The conventional path on the host (`/oidc/v1/token` or `/oidc/accounts/{id}/v1/token`).
    Fallback,
}

/// Why the audience was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AudienceOrigin {
    /// Configured explicitly.
    Configured,
    /// The host metadata's `token_federation_default_oidc_audiences[0]`.
    HostMetadata,
    /// The Databricks account id (what a federation policy without audiences expects).
    AccountId,
    /// The token endpoint URL (the last resort, as in the official SDKs).
    TokenEndpoint,
}

impl EndpointOrigin {
    /// The origin's name as the bindings give it: `configured`, `discovery_url`,
    /// `host_metadata` or `fallback`.
    pub fn name(self) -> &'static str {
        match self {
            EndpointOrigin::Configured => "configured",
            EndpointOrigin::DiscoveryUrl => "discovery_url",
            EndpointOrigin::HostMetadata => "host_metadata",
            EndpointOrigin::Fallback => "fallback",
        }
    }
}

impl AudienceOrigin {
    /// The origin's name as the bindings give it: `configured`, `host_metadata`, `account_id`
    /// or `token_endpoint`.
    pub fn name(self) -> &'static str {
        match self {
            AudienceOrigin::Configured => "configured",
            AudienceOrigin::HostMetadata => "host_metadata",
            AudienceOrigin::AccountId => "account_id",
            AudienceOrigin::TokenEndpoint => "token_endpoint",
        }
    }
}

/// What the credential was told about where to go.
#[derive(Clone, Debug)]
pub(crate) struct EndpointConfig {
    /// The workspace or account host, without a trailing slash.
    pub host: Url,
    /// Whether `host` is an account host (account-level APIs).
    pub is_account: bool,
    pub account_id: Option<String>,
    pub token_endpoint: Option<Url>,
    pub discovery_url: Option<Url>,
    pub audience: Option<String>,
}

impl EndpointConfig {
    fn host_path(&self, path: &str) -> Result<Url> {
        let base = self.host.as_str().trim_end_matches('/');
        secure_url(&format!("{base}{path}"), "host")
    }

    fn fallback_token_endpoint(&self) -> Result<Url> {
        match (&self.is_account, &self.account_id) {
            (false, _) => self.host_path("/oidc/v1/token"),
            (true, Some(account_id)) => {
                self.host_path(&format!("/oidc/accounts/{account_id}/v1/token"))
            }
            (true, None) => Err(Error::config("an account host needs an account id")),
        }
    }
}

/// Whether `id` can be a Databricks account id (a UUID in practice): letters, digits, dashes.
pub(crate) fn is_account_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// `GET {host}/.well-known/databricks-config`.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct HostMetadata {
    pub oidc_endpoint: Option<String>,
    pub account_id: Option<String>,
    workspace_id: Option<serde_json::Value>,
    #[serde(default)]
    token_federation_default_oidc_audiences: Vec<String>,
}

/// An RFC 8414 authorization-server metadata document; only the token endpoint matters here.
#[derive(Deserialize)]
struct AuthorizationServer {
    token_endpoint: Option<String>,
}

/// Resolves [`Endpoints`] on first use and remembers them.
#[derive(Debug)]
pub(crate) struct EndpointResolver {
    config: EndpointConfig,
    resolved: Mutex<Option<Arc<Endpoints>>>,
}

impl EndpointResolver {
    pub fn new(config: EndpointConfig) -> Self {
        EndpointResolver {
            config,
            resolved: Mutex::new(None),
        }
    }

    pub fn config(&self) -> &EndpointConfig {
        &self.config
    }

    /// The endpoints, discovered on the first call (one discovery however many callers wait).
    ///
    /// A resolution is remembered unless it had to fall back because the host metadata could
    /// not be fetched for a passing reason; then the next call tries again.
    pub async fn resolve(&self, http: &HttpClient, retry: &RetryPolicy) -> Result<Arc<Endpoints>> {
        let mut resolved = self.resolved.lock().await;
        if let Some(endpoints) = resolved.as_ref() {
            return Ok(endpoints.clone());
        }
        let (endpoints, lasting) = self.discover(http, retry).await?;
        let endpoints = Arc::new(endpoints);
        if lasting {
            *resolved = Some(endpoints.clone());
        }
        tracing::debug!(
            token_endpoint = %endpoints.token_endpoint,
            origin = ?endpoints.token_endpoint_origin,
            audience = %endpoints.audience,
            audience_origin = ?endpoints.audience_origin,
            "resolved endpoints"
        );
        Ok(endpoints)
    }

    async fn discover(&self, http: &HttpClient, retry: &RetryPolicy) -> Result<(Endpoints, bool)> {
        let config = &self.config;
        let needs_metadata = config.audience.is_none()
            || (config.token_endpoint.is_none() && config.discovery_url.is_none());
        let (metadata, lasting) = if needs_metadata {
            self.host_metadata(http).await
        } else {
            (None, true)
        };
        let metadata = metadata.unwrap_or_default();
        // An account id from the server goes into a path: it must be one.
        let account_id = config
            .account_id
            .clone()
            .or_else(|| metadata.account_id.clone().filter(|id| is_account_id(id)));

        let (token_endpoint, token_endpoint_origin) = if let Some(url) = &config.token_endpoint {
            (url.clone(), EndpointOrigin::Configured)
        } else if let Some(url) = &config.discovery_url {
            (
                fetch_token_endpoint(http, retry, url).await?,
                EndpointOrigin::DiscoveryUrl,
            )
        } else if let Some(oidc) = &metadata.oidc_endpoint {
            let discovery = oidc_discovery_url(oidc, account_id.as_deref())?;
            (
                fetch_token_endpoint(http, retry, &discovery).await?,
                EndpointOrigin::HostMetadata,
            )
        } else {
            (config.fallback_token_endpoint()?, EndpointOrigin::Fallback)
        };

        let account_host_metadata =
            metadata.account_id.is_some() && metadata.workspace_id.is_none();
        let (audience, audience_origin) = if let Some(audience) = &config.audience {
            (audience.clone(), AudienceOrigin::Configured)
        } else if let Some(first) = metadata.token_federation_default_oidc_audiences.first() {
            (first.clone(), AudienceOrigin::HostMetadata)
        } else if let Some(id) = config.account_id.clone().or_else(|| {
            account_host_metadata
                .then(|| metadata.account_id.clone())
                .flatten()
        }) {
            (id, AudienceOrigin::AccountId)
        } else {
            (token_endpoint.to_string(), AudienceOrigin::TokenEndpoint)
        };

        Ok((
            Endpoints {
                token_endpoint: token_endpoint.to_string(),
                token_endpoint_origin,
                audience,
                audience_origin,
            },
            lasting,
        ))
    }

    /// Fetches the host metadata; `(None, true)` when the host has none, `(None, false)` when
    /// it could not be fetched for a passing reason.
    async fn host_metadata(&self, http: &HttpClient) -> (Option<HostMetadata>, bool) {
        let url = match self.config.host_path("/.well-known/databricks-config") {
            Ok(url) => url,
            Err(_) => return (None, true),
        };
        match http.get(&url, &[("Accept", "application/json")]).await {
            Ok(response) if response.is_success() => match parse_host_metadata(&response.body) {
                Ok(metadata) => (Some(metadata), true),
                Err(err) => {
                    tracing::debug!(url = %display_url(&url), %err, "host metadata is not JSON; ignoring it");
                    (None, true)
                }
            },
            Ok(response) => {
                let passing = response.status >= 500 || response.status == 429;
                tracing::debug!(url = %display_url(&url), status = response.status, "no host metadata");
                (None, !passing)
            }
            Err(err) => {
                tracing::warn!(url = %display_url(&url), error = %err, "cannot fetch host metadata; using the fallback endpoint");
                (None, false)
            }
        }
    }
}

/// GETs an RFC 8414 document and returns its `token_endpoint`.
async fn fetch_token_endpoint(http: &HttpClient, retry: &RetryPolicy, url: &Url) -> Result<Url> {
    let endpoint = display_url(url);
    let response = retry
        .run("discovery", || async {
            let response = http.get(url, &[("Accept", "application/json")]).await?;
            if response.is_success() {
                Ok(response)
            } else {
                Err(crate::exchange::rejection(&endpoint, &response))
            }
        })
        .await?;
    token_endpoint_from(&endpoint, response.status, &response.body)
}

/// The host metadata in `body` (`GET {host}/.well-known/databricks-config`).
pub(crate) fn parse_host_metadata(body: &[u8]) -> serde_json::Result<HostMetadata> {
    serde_json::from_slice(body)
}

/// The RFC 8414 document URL under the host metadata's `oidc_endpoint`, with `{account_id}`
/// filled in.
pub(crate) fn oidc_discovery_url(oidc: &str, account_id: Option<&str>) -> Result<Url> {
    let oidc = match (oidc.contains("{account_id}"), account_id) {
        (false, _) => oidc.to_owned(),
        (true, Some(id)) => oidc.replace("{account_id}", id),
        (true, None) => {
            return Err(Error::config(
                "the host metadata names an account-scoped OIDC endpoint; set the account id",
            ));
        }
    };
    secure_url(
        &format!(
            "{}/.well-known/oauth-authorization-server",
            oidc.trim_end_matches('/')
        ),
        "OIDC discovery URL from host metadata",
    )
}

/// The `token_endpoint` of the RFC 8414 document `body`, answered by `endpoint` with `status`.
pub(crate) fn token_endpoint_from(endpoint: &str, status: u16, body: &[u8]) -> Result<Url> {
    let document: AuthorizationServer =
        serde_json::from_slice(body).map_err(|err| Error::Malformed {
            endpoint: endpoint.to_owned(),
            status,
            reason: format!("discovery document is not valid JSON: {err}"),
        })?;
    let token_endpoint = document.token_endpoint.ok_or_else(|| Error::Malformed {
        endpoint: endpoint.to_owned(),
        status,
        reason: "discovery document has no token_endpoint".into(),
    })?;
    secure_url(
        &token_endpoint,
        "token endpoint from the discovery document",
    )
}
