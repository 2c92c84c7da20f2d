//! GitHub Actions: the job's OIDC ID token (`permissions: id-token: write`).

use futures::future::BoxFuture;

use super::fetched::{CachedJwt, FetchJwt, fetch_with_retries, jwt_in_json, required_env};
use super::{SourceContext, SubjectTokenSource};
use crate::error::Result;
use crate::http::{HttpClient, HttpOptions, secure_url};
use crate::options::Description;
use crate::retry::RetryPolicy;
use crate::token::SubjectToken;

const NAME: &str = "github-actions";
const HINT: &str = ": run inside GitHub Actions with `permissions: id-token: write`";

/// Requests ID tokens from GitHub Actions (`ACTIONS_ID_TOKEN_REQUEST_URL` with
/// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`), cached until shortly before they expire.
///
/// The audience is the credential's (see [`crate::AudienceOrigin`]) unless set here.
#[derive(Debug, Default)]
pub struct GitHubActions {
    audience: Option<String>,
    http: HttpOptions,
    retry: RetryPolicy,
    cached: CachedJwt,
}

impl GitHubActions {
    /// A source reading the request URL and token from the job's environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// The audience to request, instead of the credential's.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Timeouts and TLS settings for the ID-token requests.
    pub fn http_options(mut self, options: HttpOptions) -> Self {
        self.http = options;
        self
    }

    /// Retry rules for the ID-token requests.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
}

impl SubjectTokenSource for GitHubActions {
    fn name(&self) -> &str {
        NAME
    }

    fn describe(&self) -> Description {
        Description::new("GitHubActions").text("audience", self.audience.as_deref())
    }

    fn subject_token<'a>(
        &'a self,
        context: &'a SourceContext,
    ) -> BoxFuture<'a, Result<SubjectToken>> {
        let audience = self.audience.as_deref().unwrap_or(&context.audience);
        Box::pin(self.cached.get(audience, || {
            Ok(GitHubFetcher {
                http: HttpClient::new(&self.http)?,
                retry: self.retry.clone(),
            })
        }))
    }
}

#[derive(Debug)]
struct GitHubFetcher {
    http: HttpClient,
    retry: RetryPolicy,
}

impl FetchJwt for GitHubFetcher {
    fn fetch<'a>(&'a self, audience: &'a str) -> BoxFuture<'a, Result<SubjectToken>> {
        Box::pin(async move {
            let request_url = required_env(NAME, "ACTIONS_ID_TOKEN_REQUEST_URL", HINT)?;
            let request_token = required_env(NAME, "ACTIONS_ID_TOKEN_REQUEST_TOKEN", HINT)?;
            let mut url = secure_url(&request_url, "ACTIONS_ID_TOKEN_REQUEST_URL")?;
            if !audience.is_empty() {
                url.query_pairs_mut().append_pair("audience", audience);
            }
            let authorization = format!("Bearer {request_token}");
            let headers = [
                ("Authorization", authorization.as_str()),
                ("Accept", "application/json; api-version=2.0"),
            ];
            let response =
                fetch_with_retries(NAME, &url, &self.retry, || self.http.get(&url, &headers))
                    .await?;
            jwt_in_json(NAME, &response, "value")
        })
    }
}
