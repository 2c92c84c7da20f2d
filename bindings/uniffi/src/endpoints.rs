//! `Endpoints`: where a credential exchanges tokens and which audience it asks for, and why.

use crate::error::DbfedError;

/// How the token endpoint was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum EndpointOrigin {
    /// Configured explicitly (`tokenEndpoint`).
    Configured,
    /// From the configured discovery document (`discoveryUrl`).
    DiscoveryUrl,
    /// From the host's `/.well-known/databricks-config` and the OIDC discovery document it names.
    HostMetadata,
    /// The conventional path on the host (`/oidc/v1/token` or `/oidc/accounts/{id}/v1/token`).
    Fallback,
}

/// Why the audience was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum AudienceOrigin {
    /// Configured explicitly (`audience`).
    Configured,
    /// The host metadata's default federation audience.
    HostMetadata,
    /// The Databricks account id (what a federation policy without audiences expects).
    AccountId,
    /// The token endpoint URL (the last resort, as in the official SDKs).
    TokenEndpoint,
}

/// Where a credential exchanges its JWTs, the audience it asks its source for, and how each was
/// found.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Endpoints {
    /// The token endpoint URL.
    pub token_endpoint: String,
    /// How the token endpoint was found.
    pub token_endpoint_origin: EndpointOrigin,
    /// The audience the source is asked for.
    pub audience: String,
    /// Why this audience.
    pub audience_origin: AudienceOrigin,
}

impl TryFrom<dbfed::Endpoints> for Endpoints {
    type Error = DbfedError;

    fn try_from(endpoints: dbfed::Endpoints) -> Result<Self, DbfedError> {
        let token_endpoint_origin = match endpoints.token_endpoint_origin {
            dbfed::EndpointOrigin::Configured => EndpointOrigin::Configured,
            dbfed::EndpointOrigin::DiscoveryUrl => EndpointOrigin::DiscoveryUrl,
            dbfed::EndpointOrigin::HostMetadata => EndpointOrigin::HostMetadata,
            dbfed::EndpointOrigin::Fallback => EndpointOrigin::Fallback,
            other => return Err(unknown(&format!("{other:?}"))),
        };
        let audience_origin = match endpoints.audience_origin {
            dbfed::AudienceOrigin::Configured => AudienceOrigin::Configured,
            dbfed::AudienceOrigin::HostMetadata => AudienceOrigin::HostMetadata,
            dbfed::AudienceOrigin::AccountId => AudienceOrigin::AccountId,
            dbfed::AudienceOrigin::TokenEndpoint => AudienceOrigin::TokenEndpoint,
            other => return Err(unknown(&format!("{other:?}"))),
        };
        Ok(Endpoints {
            token_endpoint: endpoints.token_endpoint,
            token_endpoint_origin,
            audience: endpoints.audience,
            audience_origin,
        })
    }
}

/// An origin the core added after this version of the package.
fn unknown(origin: &str) -> DbfedError {
    DbfedError::Internal {
        reason: format!(
            "an endpoint origin this version of the JVM package does not know: {origin}"
        ),
    }
}
