//! Where subject JWTs come from: the [`SubjectTokenSource`] trait and its implementations.

mod azure_devops;
mod callback;
mod chain;
mod ci_token;
mod command;
mod env;
mod fetched;
mod file;
mod fixed;
mod gcp;
mod github;
mod jwt_text;
mod oidc_client;

use std::fmt::Debug;

use futures::future::BoxFuture;

pub use azure_devops::AzureDevOps;
pub use callback::{Callback, DEFAULT_CALLBACK_TIMEOUT};
pub use chain::Chain;
pub use ci_token::CiToken;
#[cfg(feature = "fuzzing")]
pub(crate) use command::parse_output;
pub use command::{AUDIENCE_PLACEHOLDER, Command};
pub use env::EnvVar;
pub use file::{File, KUBERNETES_SERVICE_ACCOUNT_TOKEN};
pub use fixed::Fixed;
pub use gcp::GcpMetadata;
pub use github::GitHubActions;
pub use jwt_text::MAX_JWT_BYTES;
pub use oidc_client::{ClientAuth, KeyAlgorithm, OidcClientCredentials, TokenField};

use crate::error::Result;
use crate::options::{Description, Shown};
use crate::token::SubjectToken;
use jwt_text::one_jwt;

/// What a source may need to know to produce a JWT.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SourceContext {
    /// The audience the JWT should carry (sources that request JWTs from an IdP ask for it).
    pub audience: String,
}

impl SourceContext {
    /// A context asking for `audience`.
    pub fn new(audience: impl Into<String>) -> Self {
        SourceContext {
            audience: audience.into(),
        }
    }
}

/// Produces the JWT that is exchanged for a Databricks token; called at every exchange.
///
/// A source that fetches its JWT over the network should cache it itself until shortly before
/// the JWT expires; sources that read a file or a variable re-read it every time, so rotated
/// tokens are picked up.
pub trait SubjectTokenSource: Debug + Send + Sync + 'static {
    /// A short name for messages and diagnostics (`env`, `file`, `github-actions`, …).
    fn name(&self) -> &str;

    /// Produces a subject JWT for `context`.
    fn subject_token<'a>(
        &'a self,
        context: &'a SourceContext,
    ) -> BoxFuture<'a, Result<SubjectToken>>;

    /// Checks the source's own settings without any I/O; a credential calls it when built, so
    /// that a setting which can never work fails at once rather than at the first token.
    fn check(&self) -> Result<()> {
        Ok(())
    }

    /// What the source shows of itself: its type and non-secret settings (by default its
    /// name); every binding renders this as its `repr` / `inspect` / `toString`.
    fn describe(&self) -> Description {
        Description::new("Source").positional("name", Shown::Text(self.name().to_owned()))
    }
}
