//! Azure DevOps Pipelines: an ID token for a service connection, or for the pipeline itself.

use futures::future::BoxFuture;
use url::Url;

use super::fetched::{CachedJwt, FetchJwt, fetch_with_retries, jwt_in_json, required_env};
use super::{SourceContext, SubjectTokenSource};
use crate::error::Result;
use crate::http::{HttpClient, HttpOptions, secure_url};
use crate::options::Description;
use crate::retry::RetryPolicy;
use crate::token::SubjectToken;

const NAME: &str = "azure-devops";
const ACCESS_TOKEN_HINT: &str =
    ": map it into the step's environment (`env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)`)";
const PIPELINE_HINT: &str = ": not running in an Azure DevOps pipeline?";

/// Requests ID tokens from Azure DevOps, cached until shortly before they expire.
///
/// With a service connection (the subject is then `sc://org/project/connection`), it posts to
/// `SYSTEM_OIDCREQUESTURI`; without one, to the pipeline's `oidctoken` endpoint built from
/// `SYSTEM_TEAMFOUNDATIONCOLLECTIONURI`, `SYSTEM_TEAMPROJECTID`, `SYSTEM_HOSTTYPE`,
/// `SYSTEM_PLANID` and `SYSTEM_JOBID` (subject `p://org/project/pipeline`, as the Databricks
/// SDKs do). Both need `SYSTEM_ACCESSTOKEN`. Azure DevOps fixes the audience
/// (`api://AzureADTokenExchange`).
#[derive(Debug, Default)]
pub struct AzureDevOps {
    service_connection_id: Option<String>,
    http: HttpOptions,
    retry: RetryPolicy,
    cached: CachedJwt,
}

impl AzureDevOps {
    /// A source for the pipeline's own ID token, or the service connection named by
    /// `AZURESUBSCRIPTION_SERVICE_CONNECTION_ID` when that is set (as `AzureCLI@2` does).
    pub fn new() -> Self {
        Self::default()
    }

    /// Requests tokens for this service connection (its id, a GUID).
    pub fn service_connection(mut self, id: impl Into<String>) -> Self {
        self.service_connection_id = Some(id.into());
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

impl SubjectTokenSource for AzureDevOps {
    fn name(&self) -> &str {
        NAME
    }

    fn describe(&self) -> Description {
        Description::new("AzureDevOps")
            .text("service_connection", self.service_connection_id.as_deref())
    }

    fn subject_token<'a>(&'a self, _: &'a SourceContext) -> BoxFuture<'a, Result<SubjectToken>> {
        // The audience is fixed by Azure DevOps, so one cache entry serves every credential.
        Box::pin(self.cached.get("", || {
            Ok(AzureDevOpsFetcher {
                service_connection_id: self.service_connection_id.clone(),
                http: HttpClient::new(&self.http)?,
                retry: self.retry.clone(),
            })
        }))
    }
}

#[derive(Debug)]
struct AzureDevOpsFetcher {
    service_connection_id: Option<String>,
    http: HttpClient,
    retry: RetryPolicy,
}

impl AzureDevOpsFetcher {
    /// The URL to post to, from the environment.
    fn url(&self) -> Result<Url> {
        let connection = self.service_connection_id.clone().or_else(|| {
            std::env::var("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID")
                .ok()
                .filter(|id| !id.is_empty())
        });
        if let Some(connection) = connection {
            let base = required_env(NAME, "SYSTEM_OIDCREQUESTURI", PIPELINE_HINT)?;
            let mut url = secure_url(&base, "SYSTEM_OIDCREQUESTURI")?;
            url.query_pairs_mut()
                .append_pair("api-version", "7.1")
                .append_pair("serviceConnectionId", &connection);
            return Ok(url);
        }
        let collection = required_env(NAME, "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI", PIPELINE_HINT)?;
        let project = required_env(NAME, "SYSTEM_TEAMPROJECTID", PIPELINE_HINT)?;
        let hub = required_env(NAME, "SYSTEM_HOSTTYPE", PIPELINE_HINT)?;
        let plan = required_env(NAME, "SYSTEM_PLANID", PIPELINE_HINT)?;
        let job = required_env(NAME, "SYSTEM_JOBID", PIPELINE_HINT)?;
        let url = format!(
            "{}/{project}/_apis/distributedtask/hubs/{hub}/plans/{plan}/jobs/{job}/oidctoken?api-version=7.2-preview.1",
            collection.trim_end_matches('/')
        );
        secure_url(&url, "the Azure DevOps oidctoken URL")
    }
}

impl FetchJwt for AzureDevOpsFetcher {
    fn fetch<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<SubjectToken>> {
        Box::pin(async move {
            let access_token = required_env(NAME, "SYSTEM_ACCESSTOKEN", ACCESS_TOKEN_HINT)?;
            let url = self.url()?;
            let authorization = format!("Bearer {access_token}");
            let headers = [
                ("Authorization", authorization.as_str()),
                ("X-TFS-FedAuthRedirect", "Suppress"),
            ];
            let response = fetch_with_retries(NAME, &url, &self.retry, || {
                self.http.post_empty(&url, &headers)
            })
            .await?;
            jwt_in_json(NAME, &response, "oidcToken")
        })
    }
}
