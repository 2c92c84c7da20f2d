//! [`UserCache`]: the per-user cache settings that `UserExchanger` and `AzureOnBehalfOf` share.

use super::{Description, Shown, Span};
use crate::error::{Error, Result};
use crate::user::UserCacheConfig;

/// How users' tokens are cached and which users' JWTs are refused without a request; a setting
/// left out keeps its default.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UserCache {
    /// `max_users` (default 10,000): users cached; the least recently used goes first.
    pub max_users: Option<i64>,
    /// `negative_cache` (default off): how long a JWT the server refused is answered with the
    /// same error without asking again.
    pub negative_cache: Option<Span>,
    /// `expected_issuers`: a JWT from another issuer is refused without a request.
    pub expected_issuers: Option<Vec<String>>,
    /// `expected_audiences`: a JWT for none of these audiences is refused without a request.
    pub expected_audiences: Option<Vec<String>>,
    /// `expiry_leeway` (default 0): how long past its `exp` a JWT is still accepted.
    pub expiry_leeway: Option<Span>,
}

impl UserCache {
    /// The checked cache configuration.
    pub(crate) fn config(&self) -> Result<UserCacheConfig> {
        let mut config = UserCacheConfig::default();
        if let Some(max_users) = self.max_users {
            config.max_users = usize::try_from(max_users)
                .ok()
                .filter(|max_users| *max_users >= 1)
                .ok_or_else(|| {
                    Error::config(format!("`max_users` must be at least 1, not {max_users}"))
                })?;
        }
        if let Some(ttl) = Span::optional(self.negative_cache, "negative_cache")? {
            config.negative_ttl = ttl;
        }
        config.checks.issuers = self.expected_issuers.clone().unwrap_or_default();
        config.checks.audiences = self.expected_audiences.clone().unwrap_or_default();
        if let Some(leeway) = Span::optional(self.expiry_leeway, "expiry_leeway")? {
            config.checks.leeway = leeway;
        }
        Ok(config)
    }

    /// The settings given, as shown.
    pub(crate) fn describe(&self, mut description: Description) -> Result<Description> {
        if let Some(max_users) = self.max_users {
            description = description.field("max_users", Shown::Integer(max_users.unsigned_abs()));
        }
        if let Some(ttl) = Span::optional(self.negative_cache, "negative_cache")? {
            description = description.field("negative_cache", Shown::Span(ttl));
        }
        for (name, values) in [
            ("expected_issuers", &self.expected_issuers),
            ("expected_audiences", &self.expected_audiences),
        ] {
            if let Some(values) = values {
                description = description.field(name, Shown::List(values.clone()));
            }
        }
        if let Some(leeway) = Span::optional(self.expiry_leeway, "expiry_leeway")? {
            description = description.field("expiry_leeway", Shown::Span(leeway));
        }
        Ok(description)
    }
}
