//! [`Target`]: where a credential's or a user exchanger's tokens come from: a workspace or an
//! account, and how the exchange is addressed.

use super::{Description, Shown};
use crate::error::{Error, Result};
use crate::exchange_client::ExchangeTarget;
use crate::http::HttpOptions;
use crate::retry::RetryPolicy;

/// The Databricks side of an exchange. Give `host` (a workspace), or `account_host` with
/// `account_id` (account-level APIs), or a `token_endpoint`; the rest has defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    /// `host`: the workspace URL (`https://` may be omitted).
    pub host: Option<String>,
    /// `account_host`: the accounts console URL, for account-level APIs.
    pub account_host: Option<String>,
    /// `account_id`: the Databricks account id; for a workspace it makes the account id the
    /// default audience.
    pub account_id: Option<String>,
    /// `client_id`: the service principal's application id (workload identity federation);
    /// unset for account-wide federation.
    pub client_id: Option<String>,
    /// `scopes` (default `all-apis`), sorted and de-duplicated as the SDKs do.
    pub scopes: Option<Vec<String>>,
    /// `audience`: the audience the source's JWTs are asked for (default: see
    /// [`AudienceOrigin`](crate::AudienceOrigin)).
    pub audience: Option<String>,
    /// `token_endpoint`: the token endpoint, skipping discovery.
    pub token_endpoint: Option<String>,
    /// `discovery_url`: an RFC 8414 discovery document to read the token endpoint from.
    pub discovery_url: Option<String>,
}

impl Target {
    /// The exchange target with these network settings, checked for contradictions (the URLs
    /// themselves are checked when the client is made).
    pub(crate) fn exchange_target(
        &self,
        http: HttpOptions,
        retry: RetryPolicy,
    ) -> Result<ExchangeTarget> {
        let (host, is_account) = match (&self.host, &self.account_host) {
            (Some(_), Some(_)) => {
                return Err(Error::config(
                    "give `host` (a workspace) or `account_host` (account-level APIs), not both",
                ));
            }
            (Some(host), None) => (Some(host.clone()), false),
            (None, Some(host)) => (Some(host.clone()), true),
            (None, None) => (None, false),
        };
        Ok(ExchangeTarget {
            host,
            is_account,
            account_id: self.account_id.clone(),
            client_id: self.client_id.clone(),
            scopes: self.scopes.clone().unwrap_or_default(),
            audience: self.audience.clone(),
            token_endpoint: self.token_endpoint.clone(),
            discovery_url: self.discovery_url.clone(),
            http,
            retry,
        })
    }

    /// Refuses what a per-user exchange cannot use: users' own JWTs are exchanged with
    /// account-wide federation (no client id) and for whatever audience they carry.
    pub(crate) fn check_for_users(&self) -> Result<()> {
        for (name, value) in [("client_id", &self.client_id), ("audience", &self.audience)] {
            if value.is_some() {
                return Err(Error::config(format!(
                    "`{name}` is not an option of a user exchanger: each user's own JWT is exchanged as it is (account-wide federation)"
                )));
            }
        }
        Ok(())
    }

    /// The fields a credential or a user exchanger shows.
    pub(crate) fn describe(&self, mut description: Description) -> Description {
        for (name, value) in [
            ("host", &self.host),
            ("account_host", &self.account_host),
            ("account_id", &self.account_id),
            ("client_id", &self.client_id),
        ] {
            description = description.text(name, value.as_deref());
        }
        if let Some(scopes) = &self.scopes {
            description = description.field("scopes", Shown::List(scopes.clone()));
        }
        for (name, value) in [
            ("audience", &self.audience),
            ("token_endpoint", &self.token_endpoint),
            ("discovery_url", &self.discovery_url),
        ] {
            description = description.text(name, value.as_deref());
        }
        description
    }
}
