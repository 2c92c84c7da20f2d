#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod azure;
mod cache;
pub mod config;
mod credential;
mod diagnose;
mod endpoints;
mod error;
mod exchange;
mod exchange_client;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod http;
#[cfg(feature = "log-events")]
pub mod log_events;
mod metadata_service;
pub mod options;
pub mod panic_guard;
mod retry;
mod server_text;
pub mod source;
mod time;
mod token;
mod user;

pub use azure::{
    AZURE_DATABRICKS_RESOURCE_ID, AzureCredentialBuilder, AzureOnBehalfOf, AzureOnBehalfOfBuilder,
    DEFAULT_AUTHORITY_HOST, FEDERATED_TOKEN_AUDIENCE,
};
pub use cache::Stats;
pub use credential::{Credential, CredentialBuilder, DEFAULT_SCOPE};
pub use diagnose::{ACCEPTED_ALGORITHMS, FederationPolicy, Mismatch, diagnose};
pub use endpoints::{AudienceOrigin, EndpointOrigin, Endpoints};
pub use error::{Cause, Error, ErrorKind, Rejection, Result};
pub use exchange::{GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE_JWT};
pub use http::{HttpOptions, MAX_BODY_BYTES};
pub use metadata_service::{METADATA_SERVICE_URL_VARIABLE, MetadataServiceBuilder};
pub use retry::RetryPolicy;
pub use source::{SourceContext, SubjectTokenSource};
pub use token::{AccessToken, JwtClaims, Secret, SubjectToken};
pub use user::{UserExchanger, UserExchangerBuilder, UserStats, UserTokens};
