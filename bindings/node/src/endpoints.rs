//! `Endpoints`: where a credential exchanges tokens and which audience it asks for, and why.

use napi_derive::napi;

/// Where a credential exchanges its JWTs, the audience it asks its source for, and how each was
/// found.
#[napi(object)]
pub struct Endpoints {
    /// The token endpoint URL.
    pub token_endpoint: String,
    /// How the token endpoint was found: `configured`, `discovery_url`, `host_metadata` or
    /// `fallback`.
    pub token_endpoint_origin: String,
    /// The audience the source is asked for.
    pub audience: String,
    /// Why this audience: `configured`, `host_metadata`, `account_id` or `token_endpoint`.
    pub audience_origin: String,
}

impl From<dbfed::Endpoints> for Endpoints {
    fn from(endpoints: dbfed::Endpoints) -> Self {
        Endpoints {
            token_endpoint: endpoints.token_endpoint,
            token_endpoint_origin: endpoints.token_endpoint_origin.name().to_owned(),
            audience: endpoints.audience,
            audience_origin: endpoints.audience_origin.name().to_owned(),
        }
    }
}
