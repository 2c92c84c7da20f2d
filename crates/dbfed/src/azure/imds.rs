//! Managed identity tokens, from the Azure Instance Metadata Service (IMDS) on VMs, scale sets
//! and AKS nodes: `GET http://169.254.169.254/metadata/identity/oauth2/token?api-version=…&resource=…`
//! with `Metadata: true`; or from the identity endpoint of App Service, Functions and Container
//! Apps: `GET $IDENTITY_ENDPOINT?api-version=2019-08-01&resource=…` with
//! `X-IDENTITY-HEADER: $IDENTITY_HEADER`. Both are plain http to the machine itself or a
//! link-local address, which is allowed for them alone.

use url::{Host, Url};

use super::ASSUMED_LIFETIME;
use crate::error::{Error, Result};
use crate::exchange::{parse_token_response, send_with_retries};
use crate::http::{HttpClient, display_url, metadata_service_url, secure_url};
use crate::retry::RetryPolicy;
use crate::token::{AccessToken, Secret};

/// The IMDS token endpoint on every Azure VM.
pub(crate) const IMDS_ENDPOINT: &str = "http://169.254.169.254/metadata/identity/oauth2/token";

/// The IMDS API version requested (the one the Databricks SDKs use).
const IMDS_API_VERSION: &str = "2018-02-01";
/// The App Service identity endpoint's API version (the one that takes `X-IDENTITY-HEADER`).
const APP_SERVICE_API_VERSION: &str = "2019-08-01";

/// Where a managed identity's tokens come from.
#[derive(Debug)]
pub(crate) enum ManagedIdentityEndpoint {
    /// The Instance Metadata Service (VMs, scale sets, AKS nodes).
    Imds(Url),
    /// The identity endpoint of App Service, Functions or Container Apps, and the secret its
    /// requests carry.
    AppService { url: Url, header: Secret },
}

/// Parses an IMDS endpoint: https, or plain http to loopback or a metadata server's address.
pub(crate) fn imds_url(url: &str) -> Result<Url> {
    metadata_service_url(url, "IMDS endpoint")
}

/// Parses an App Service identity endpoint: https, or plain http to loopback (Windows plans,
/// Container Apps) or a link-local address (Linux plans, `169.254.x.x`).
pub(crate) fn identity_endpoint_url(url: &str) -> Result<Url> {
    const WHAT: &str = "managed identity endpoint (IDENTITY_ENDPOINT)";
    let parsed = Url::parse(url)
        .map_err(|err| Error::config(format!("{WHAT} `{url}` is not a URL: {err}")))?;
    let link_local = matches!(parsed.host(), Some(Host::Ipv4(ip)) if ip.is_link_local());
    if parsed.scheme() == "http" && link_local {
        return Ok(parsed);
    }
    secure_url(url, WHAT)
}

/// A managed identity's token for `resource` (the system-assigned identity, or the
/// user-assigned one with `client_id`). 400 is final; 429 and 5xx are retried as usual.
pub(crate) async fn managed_identity_token(
    http: &HttpClient,
    retry: &RetryPolicy,
    endpoint: &ManagedIdentityEndpoint,
    resource: &str,
    client_id: Option<&str>,
) -> Result<AccessToken> {
    let (mut url, api_version, what) = match endpoint {
        ManagedIdentityEndpoint::Imds(url) => (url.clone(), IMDS_API_VERSION, "IMDS token request"),
        ManagedIdentityEndpoint::AppService { url, .. } => (
            url.clone(),
            APP_SERVICE_API_VERSION,
            "identity endpoint token request",
        ),
    };
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("api-version", api_version)
            .append_pair("resource", resource);
        if let Some(client_id) = client_id {
            query.append_pair("client_id", client_id);
        }
    }
    let shown = display_url(&url);
    let identity = match endpoint {
        ManagedIdentityEndpoint::Imds(_) => ("Metadata", "true"),
        ManagedIdentityEndpoint::AppService { header, .. } => {
            ("X-IDENTITY-HEADER", header.expose())
        }
    };
    let headers = [identity, ("Accept", "application/json")];
    let (sent_at, response) =
        send_with_retries(retry, what, &shown, || http.get(&url, &headers)).await?;
    parse_token_response(&shown, &response, sent_at, ASSUMED_LIFETIME)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identity_endpoint_may_be_plain_http_only_on_the_machine_or_its_link() {
        for ok in [
            "http://127.0.0.1:41741/MSI/token/",
            "http://localhost:42356/msi/token",
            "http://169.254.129.2:8081/msi/token",
            "https://identity.example.com/msi/token",
        ] {
            assert!(identity_endpoint_url(ok).is_ok(), "{ok}");
        }
        for refused in [
            "http://10.0.0.1:8081/msi/token",
            "http://identity.example.com/msi/token",
            "not a url",
        ] {
            assert!(
                matches!(identity_endpoint_url(refused), Err(Error::Config { .. })),
                "{refused}"
            );
        }
    }

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
