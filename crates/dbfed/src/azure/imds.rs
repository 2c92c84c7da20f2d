//! Managed identity tokens from the Azure Instance Metadata Service (IMDS):
//! `GET http://169.254.169.254/metadata/identity/oauth2/token?api-version=…&resource=…` with
//! `Metadata: true`. IMDS is plain http to a link-local address, which is allowed for it alone.

use std::time::Instant;

use url::Url;

use super::ASSUMED_LIFETIME;
use crate::error::Result;
use crate::exchange::{parse_token_response, rejection};
use crate::http::{HttpClient, display_url, metadata_service_url};
use crate::retry::RetryPolicy;
use crate::token::AccessToken;

/// The IMDS token endpoint on every Azure VM.
pub(crate) const IMDS_ENDPOINT: &str = "http://169.254.169.254/metadata/identity/oauth2/token";

/// The IMDS API version requested (the one the Databricks SDKs use).
const API_VERSION: &str = "2018-02-01";

/// Parses an IMDS endpoint: https, or plain http to loopback or a metadata server's address.
pub(crate) fn imds_url(url: &str) -> Result<Url> {
    metadata_service_url(url, "IMDS endpoint")
}

/// A managed identity's token for `resource` (the VM's system-assigned identity, or the
/// user-assigned one with `client_id`). 400 is final; 429 and 5xx are retried as usual.
pub(crate) async fn managed_identity_token(
    http: &HttpClient,
    retry: &RetryPolicy,
    endpoint: &Url,
    resource: &str,
    client_id: Option<&str>,
) -> Result<AccessToken> {
    let mut url = endpoint.clone();
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("api-version", API_VERSION)
            .append_pair("resource", resource);
        if let Some(client_id) = client_id {
            query.append_pair("client_id", client_id);
        }
    }
    let shown = display_url(&url);
    let response = retry
        .run("managed identity token request", || async {
            let sent_at = Instant::now();
            let headers = [("Metadata", "true"), ("Accept", "application/json")];
            let response = http.get(&url, &headers).await?;
            tracing::debug!(endpoint = %shown, status = response.status, "IMDS answered");
            if response.is_success() {
                Ok((sent_at, response))
            } else {
                Err(rejection(&shown, &response))
            }
        })
        .await?;
    let (sent_at, response) = response;
    parse_token_response(&shown, &response, sent_at, ASSUMED_LIFETIME)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn plain_http_is_allowed_only_to_imds_and_loopback() {
        for ok in [
            IMDS_ENDPOINT,
            "http://127.0.0.1:8080/metadata/identity/oauth2/token",
            "https://identity.example.com/token",
        ] {
            assert!(imds_url(ok).is_ok(), "{ok}");
        }
        for refused in [
            "http://169.254.169.253/metadata/identity/oauth2/token",
            "http://10.0.0.1/metadata/identity/oauth2/token",
            "http://metadata.example.com/token",
        ] {
            assert!(
                matches!(imds_url(refused), Err(Error::Config { .. })),
                "{refused}"
            );
        }
    }
}
