//! [`ExchangeClient`]: what every token exchange with one Databricks host shares (HTTP client,
//! retries, endpoint resolution, scope, client id), whoever supplies the subject JWT.

use std::fmt;
use std::sync::Arc;

use url::Url;

use crate::credential::DEFAULT_SCOPE;
use crate::endpoints::{EndpointConfig, EndpointResolver, Endpoints, is_account_id};
use crate::error::{Error, Result};
use crate::exchange::{ExchangeRequest, exchange};
use crate::http::{HttpClient, HttpOptions, secure_url};
use crate::retry::RetryPolicy;
use crate::token::{AccessToken, SubjectToken};

/// What a builder collected about the Databricks host to exchange with.
pub(crate) struct ExchangeTarget {
    pub host: Option<String>,
    pub is_account: bool,
    pub account_id: Option<String>,
    pub client_id: Option<String>,
    pub scopes: Vec<String>,
    pub audience: Option<String>,
    pub token_endpoint: Option<String>,
    pub discovery_url: Option<String>,
    pub http: HttpOptions,
    pub retry: RetryPolicy,
}

/// Exchanges subject JWTs for Databricks tokens at one host.
pub(crate) struct ExchangeClient {
    http: HttpClient,
    retry: RetryPolicy,
    endpoints: EndpointResolver,
    scope: String,
    client_id: Option<String>,
}

impl ExchangeClient {
    /// Checks the target's configuration; no network call is made.
    pub fn new(target: ExchangeTarget) -> Result<Self> {
        let token_endpoint = target
            .token_endpoint
            .as_deref()
            .map(|url| secure_url(url, "token endpoint"))
            .transpose()?;
        let discovery_url = target
            .discovery_url
            .as_deref()
            .map(|url| secure_url(url, "discovery URL"))
            .transpose()?;
        let host = match (&target.host, &token_endpoint) {
            (Some(host), _) => normalize_host(host)?,
            (None, Some(endpoint)) => secure_url(&endpoint.origin().ascii_serialization(), "host")?,
            (None, None) => {
                return Err(Error::config(
                    "no host: set `host` (a workspace), `account_host` and `account_id` (account-level APIs), or `token_endpoint`",
                ));
            }
        };
        let account_id = target.account_id.filter(|id| !id.trim().is_empty());
        if target.is_account && account_id.is_none() {
            return Err(Error::config(
                "`account_host` needs an account id (`account_id`)",
            ));
        }
        if let Some(id) = &account_id
            && !is_account_id(id)
        {
            return Err(Error::config(format!(
                "the `account_id` '{}' is not one: an account id has only letters, digits and dashes",
                crate::server_text::quoted(id, &[])
            )));
        }
        let mut scopes: Vec<String> = target
            .scopes
            .iter()
            .flat_map(|scope| scope.split_whitespace())
            .map(str::to_owned)
            .collect();
        scopes.sort();
        scopes.dedup();
        let scope = if scopes.is_empty() {
            DEFAULT_SCOPE.to_owned()
        } else {
            scopes.join(" ")
        };
        Ok(ExchangeClient {
            http: HttpClient::new(&target.http)?,
            retry: target.retry,
            endpoints: EndpointResolver::new(EndpointConfig {
                host,
                is_account: target.is_account,
                account_id,
                token_endpoint,
                discovery_url,
                audience: target.audience.filter(|audience| !audience.is_empty()),
            }),
            scope,
            client_id: target.client_id.filter(|id| !id.trim().is_empty()),
        })
    }

    /// The workspace URL or accounts host the tokens are for (`https://…`, no path).
    pub fn host(&self) -> &str {
        self.endpoints.config().host.as_str().trim_end_matches('/')
    }

    /// The configured Databricks account id.
    pub fn account_id(&self) -> Option<&str> {
        self.endpoints.config().account_id.as_deref()
    }

    /// The token endpoint and audience, discovered on first use.
    pub async fn endpoints(&self) -> Result<Arc<Endpoints>> {
        self.endpoints.resolve(&self.http, &self.retry).await
    }

    /// Exchanges `subject` at the resolved token endpoint.
    pub async fn exchange(
        &self,
        endpoints: &Endpoints,
        subject: &SubjectToken,
    ) -> Result<AccessToken> {
        let token_endpoint = Url::parse(&endpoints.token_endpoint)
            .map_err(|err| Error::config(format!("bad token endpoint: {err}")))?;
        let request = ExchangeRequest {
            token_endpoint: &token_endpoint,
            subject_token: subject,
            scope: &self.scope,
            client_id: self.client_id.as_deref(),
        };
        let token = exchange(&self.http, &self.retry, &request).await?;
        tracing::debug!(
            endpoint = %endpoints.token_endpoint,
            lifetime = ?token.lifetime(),
            "exchanged the subject token for a Databricks token"
        );
        Ok(token)
    }
}

impl fmt::Debug for ExchangeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = self.endpoints.config();
        f.debug_struct("ExchangeClient")
            .field("host", &config.host.as_str())
            .field("account", &config.is_account)
            .field("client_id", &self.client_id)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// Accepts a host with or without `https://`; a path, query or fragment pasted from a browser
/// (`/login`, `/?o=123`) is dropped, as the Databricks SDKs do.
pub(crate) fn normalize_host(host: &str) -> Result<Url> {
    let host = host.trim();
    if host.is_empty() {
        return Err(Error::config("the host is empty"));
    }
    let with_scheme = if host.contains("://") {
        host.to_owned()
    } else {
        format!("https://{host}")
    };
    let mut url = secure_url(&with_scheme, "host")?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::config(format!("the host `{host}` names no host")));
    }
    url.set_path("");
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_get_https_and_lose_trailing_slashes() {
        assert_eq!(
            normalize_host("dbc.example.com/").unwrap().as_str(),
            "https://dbc.example.com/"
        );
        assert_eq!(
            normalize_host("http://127.0.0.1:9/").unwrap().as_str(),
            "http://127.0.0.1:9/"
        );
    }

    #[test]
    fn a_pasted_browser_address_keeps_only_its_origin() {
        for pasted in [
            "https://dbc.example.com/?o=123456",
            "https://dbc.example.com/login",
            "dbc.example.com/login?next=/sql#x",
            " https://dbc.example.com// ",
        ] {
            assert_eq!(
                normalize_host(pasted).unwrap().as_str(),
                "https://dbc.example.com/",
                "{pasted}"
            );
        }
    }

    #[test]
    fn a_host_that_names_no_host_is_a_config_error() {
        for bad in ["https://", "http://", "", "  ", "://"] {
            let err = normalize_host(bad).unwrap_err();
            assert!(matches!(err, Error::Config { .. }), "{bad:?}: {err:?}");
        }
    }
}
