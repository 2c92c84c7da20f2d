//! ID tokens that a CI system puts in an environment variable once per job: GitLab CI,
//! CircleCI, Bitbucket Pipelines, HCP Terraform.

use std::time::SystemTime;

use futures::future::BoxFuture;

use super::{SourceContext, SubjectTokenSource, one_jwt};
use crate::error::{Error, Result};
use crate::options::{Description, Shown};
use crate::time;
use crate::token::SubjectToken;

/// Reads a CI job's ID token from the first of its variables that is set, at every exchange.
///
/// These tokens are minted once when the job starts and cannot be renewed inside it; an expired
/// one is refused with an error that says so.
#[derive(Clone, Debug)]
pub struct CiToken {
    provider: &'static str,
    variables: Vec<String>,
    renewal_hint: &'static str,
}

impl CiToken {
    /// GitLab CI: the variable named in the job's `id_tokens:` section.
    pub fn gitlab(variable: impl Into<String>) -> Self {
        CiToken {
            provider: "gitlab",
            variables: vec![variable.into()],
            renewal_hint: "GitLab sets `exp` to the job timeout: raise the timeout or split the job",
        }
    }

    /// CircleCI: `CIRCLE_OIDC_TOKEN_V2`, then `CIRCLE_OIDC_TOKEN` (valid one hour).
    pub fn circleci() -> Self {
        CiToken {
            provider: "circleci",
            variables: vec!["CIRCLE_OIDC_TOKEN_V2".into(), "CIRCLE_OIDC_TOKEN".into()],
            renewal_hint: "for a fresh token in a long job, use a command source with `circleci run oidc get`",
        }
    }

    /// Bitbucket Pipelines: `BITBUCKET_STEP_OIDC_TOKEN` (a step with `oidc: true`).
    pub fn bitbucket() -> Self {
        CiToken {
            provider: "bitbucket",
            variables: vec!["BITBUCKET_STEP_OIDC_TOKEN".into()],
            renewal_hint: "each step gets one token: split the work into shorter steps",
        }
    }

    /// HCP Terraform: `TFC_WORKLOAD_IDENTITY_TOKEN`, or `TFC_WORKLOAD_IDENTITY_TOKEN_<TAG>` when a
    /// tag is given.
    pub fn terraform(tag: Option<&str>) -> Self {
        let variable = match tag {
            Some(tag) => format!("TFC_WORKLOAD_IDENTITY_TOKEN_{tag}"),
            None => "TFC_WORKLOAD_IDENTITY_TOKEN".to_owned(),
        };
        CiToken {
            provider: "terraform",
            variables: vec![variable],
            renewal_hint: "the token lasts until the plan or apply times out",
        }
    }

    /// The variables read, in order.
    pub fn variables(&self) -> &[String] {
        &self.variables
    }
}

impl SubjectTokenSource for CiToken {
    fn name(&self) -> &str {
        self.provider
    }

    fn describe(&self) -> Description {
        let variable = self.variables.first().cloned().unwrap_or_default();
        match self.provider {
            "gitlab" => Description::new("GitLab").positional("variable", Shown::Text(variable)),
            "circleci" => Description::new("CircleCI"),
            "bitbucket" => Description::new("Bitbucket"),
            _ => {
                let description = Description::new("Terraform");
                match variable.strip_prefix("TFC_WORKLOAD_IDENTITY_TOKEN_") {
                    Some(tag) => description.positional("tag", Shown::Text(tag.to_owned())),
                    None => description,
                }
            }
        }
    }

    fn subject_token<'a>(&'a self, _: &'a SourceContext) -> BoxFuture<'a, Result<SubjectToken>> {
        Box::pin(async move {
            let Some((variable, value)) = self.variables.iter().find_map(|name| {
                std::env::var(name)
                    .ok()
                    .filter(|value| !value.trim().is_empty())
                    .map(|value| (name, value))
            }) else {
                return Err(Error::source(
                    self.provider,
                    format!("none of {} is set", self.variables.join(", ")),
                ));
            };
            let token = one_jwt(self.provider, variable, value.as_bytes())?;
            if let Some(expires_at) = token.claims().and_then(|claims| claims.expires_at())
                && expires_at < SystemTime::now()
            {
                return Err(Error::source(
                    self.provider,
                    format!(
                        "the ID token in {variable} expired at {}; the CI system mints it once per job \
                         and it cannot be renewed from inside the job ({})",
                        time::http_date(expires_at),
                        self.renewal_hint
                    ),
                ));
            }
            Ok(token)
        })
    }
}
