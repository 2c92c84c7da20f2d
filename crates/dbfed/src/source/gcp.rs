//! Google Cloud: an identity token from the metadata server (GCE, GKE, Cloud Run, Cloud Functions).

use futures::future::BoxFuture;

use super::fetched::{CachedJwt, FetchJwt, fetch_with_retries};
use super::{SourceContext, SubjectTokenSource, one_jwt};
use crate::error::Result;
use crate::http::{HttpClient, HttpOptions, metadata_service_url};
use crate::options::Description;
use crate::retry::RetryPolicy;
use crate::token::SubjectToken;

const NAME: &str = "gcp-metadata";
const DEFAULT_HOST: &str = "metadata.google.internal";

/// Requests identity tokens of the default service account from the GCP metadata server
/// (host from `GCE_METADATA_HOST`, else `metadata.google.internal`), cached until shortly
/// before they expire.
#[derive(Debug, Default)]
pub struct GcpMetadata {
    host: Option<String>,
    http: HttpOptions,
    retry: RetryPolicy,
    cached: CachedJwt,
}

impl GcpMetadata {
    /// A source asking the metadata server of the machine it runs on.
    pub fn new() -> Self {
        Self::default()
    }

    /// The metadata server's host (and port), instead of `GCE_METADATA_HOST` or the default.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Timeouts for the metadata requests.
    pub fn http_options(mut self, options: HttpOptions) -> Self {
        self.http = options;
        self
    }

    /// Retry rules for the metadata requests.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
}

impl SubjectTokenSource for GcpMetadata {
    fn name(&self) -> &str {
        NAME
    }

    fn describe(&self) -> Description {
        Description::new("GcpMetadata").text("host", self.host.as_deref())
    }

    fn subject_token<'a>(
        &'a self,
        context: &'a SourceContext,
    ) -> BoxFuture<'a, Result<SubjectToken>> {
        Box::pin(self.cached.get(&context.audience, || {
            let host = self
                .host
                .clone()
                .or_else(|| {
                    std::env::var("GCE_METADATA_HOST")
                        .ok()
                        .filter(|host| !host.is_empty())
                })
                .unwrap_or_else(|| DEFAULT_HOST.to_owned());
            Ok(GcpFetcher {
                base: format!(
                    "http://{host}/computeMetadata/v1/instance/service-accounts/default/identity"
                ),
                http: HttpClient::new(&self.http)?,
                retry: self.retry.clone(),
            })
        }))
    }
}

#[derive(Debug)]
struct GcpFetcher {
    base: String,
    http: HttpClient,
    retry: RetryPolicy,
}

impl FetchJwt for GcpFetcher {
    fn fetch<'a>(&'a self, audience: &'a str) -> BoxFuture<'a, Result<SubjectToken>> {
        Box::pin(async move {
            let mut url = metadata_service_url(&self.base, "GCP metadata URL")?;
            url.query_pairs_mut()
                .append_pair("audience", audience)
                .append_pair("format", "full");
            let headers = [("Metadata-Flavor", "Google")];
            let response =
                fetch_with_retries(NAME, &url, &self.retry, || self.http.get(&url, &headers))
                    .await?;
            one_jwt(NAME, "the identity token", &response.body)
        })
    }
}
