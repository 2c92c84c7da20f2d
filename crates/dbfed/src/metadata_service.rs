//! [`Credential::metadata_service`]: Databricks tokens from a `metadata-service` endpoint, what
//! `dbfed serve` and `dbfed exec` serve and what the Databricks SDKs call `metadata-service` auth,
//! cached by the same rules as every other credential's. No exchange: the endpoint's tokens are
//! Databricks tokens already. For SDKs that have no such auth (the Java SDK) and for services
//! that run under `dbfed exec`.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use url::Url;

use crate::credential::{Credential, TokenProvider};
use crate::error::Result;
use crate::exchange::{parse_token_response, send_with_retries};
use crate::exchange_client::normalize_host;
use crate::http::{HttpClient, HttpOptions, secure_url};
use crate::options::{Description, Networked};
use crate::retry::RetryPolicy;

/// The variable `dbfed exec` (and Databricks runtimes) set to the endpoint's URL.
pub const METADATA_SERVICE_URL_VARIABLE: &str = "DATABRICKS_METADATA_SERVICE_URL";

/// The protocol version sent in `X-Databricks-Metadata-Version`.
const METADATA_VERSION: &str = "1";

/// How long a token whose answer states no expiry is taken to be valid.
const ASSUMED_LIFETIME: Duration = Duration::from_secs(300);

impl Credential {
    /// Starts configuring a credential whose tokens come from the metadata-service endpoint at
    /// `url` (its path is a secret: it is never shown), for the workspace or account `host`.
    pub fn metadata_service(
        url: impl Into<String>,
        host: impl Into<String>,
    ) -> MetadataServiceBuilder {
        MetadataServiceBuilder {
            url: url.into(),
            host: host.into(),
            http: HttpOptions::default(),
            retry: RetryPolicy::default(),
        }
    }
}

/// Configures a [`Credential`] over a metadata-service endpoint; its timeouts, TLS settings and
/// retries come from [`Networked`].
///
/// ```rust,no_run
/// # async fn run() -> dbfed::Result<()> {
/// let url = std::env::var(dbfed::METADATA_SERVICE_URL_VARIABLE).unwrap_or_default();
/// let credential = dbfed::Credential::metadata_service(url, "https://dbc-1234abcd-5678.cloud.databricks.com")
///     .build()?;
/// let token = credential.token().await?;
/// # let _ = token;
/// # Ok(())
/// # }
/// ```
#[must_use]
pub struct MetadataServiceBuilder {
    url: String,
    host: String,
    http: HttpOptions,
    retry: RetryPolicy,
}

impl Networked for MetadataServiceBuilder {
    fn with_http(self, http: HttpOptions, retry: RetryPolicy) -> Self {
        MetadataServiceBuilder {
            http,
            retry,
            ..self
        }
    }
}

impl MetadataServiceBuilder {
    /// The credential. Fails with [`Error::Config`](crate::Error::Config) for a URL that is not
    /// https (or http to loopback) or an unusable host.
    pub fn build(self) -> Result<Credential> {
        let url = secure_url(&self.url, "metadata-service URL")?;
        let host = normalize_host(&self.host)?;
        let host = host.as_str().trim_end_matches('/').to_owned();
        let description = Description::new("MetadataService")
            .text("endpoint", Some(&endpoint_shown(&url)))
            .text("host", Some(&host));
        let provider = MetadataServiceTokens {
            client: HttpClient::new(&self.http)?,
            url,
            host: host.clone(),
            retry: self.retry,
        };
        // Refreshes run on the runtime current at `build`, or at the first call.
        Ok(Credential::from_provider(
            Arc::new(provider),
            description,
            None,
            Some(host),
        ))
    }
}

/// The endpoint as shown: its origin, never its path (an unguessable path is its secret).
fn endpoint_shown(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// Fetches tokens from the endpoint.
#[derive(Debug)]
struct MetadataServiceTokens {
    client: HttpClient,
    url: Url,
    host: String,
    retry: RetryPolicy,
}

impl MetadataServiceTokens {
    async fn fetch_token(&self) -> Result<crate::AccessToken> {
        let shown = endpoint_shown(&self.url);
        let headers = [
            ("X-Databricks-Metadata-Version", METADATA_VERSION),
            ("X-Databricks-Host", self.host.as_str()),
            ("Accept", "application/json"),
        ];
        let (sent_at, response) =
            send_with_retries(&self.retry, "metadata-service request", &shown, || {
                self.client.get(&self.url, &headers)
            })
            .await?;
        parse_token_response(&shown, &response, sent_at, ASSUMED_LIFETIME)
    }
}

impl TokenProvider for MetadataServiceTokens {
    fn fetch(&self) -> BoxFuture<'_, Result<crate::AccessToken>> {
        Box::pin(self.fetch_token())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_credential_knows_its_workspace() {
        let credential = Credential::metadata_service(
            "http://127.0.0.1:8080/token",
            "dbc-1.cloud.databricks.com/",
        )
        .build()
        .unwrap();

        assert_eq!(
            credential.host(),
            Some("https://dbc-1.cloud.databricks.com")
        );
    }
}
