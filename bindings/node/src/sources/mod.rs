//! `Source`: where the subject JWTs come from. One native class holding a core source, made by
//! one factory per core source; the classes of the package's `sources` namespace
//! (`node/lib/sources.js`) are built on them. Adding a core source to Node.js is one factory
//! here and one class there.

use std::sync::Arc;
use std::time::Duration;

use dbfed::options::Span;
use dbfed::source;
use dbfed::{Secret, SubjectTokenSource};
use napi::Env;
use napi::bindgen_prelude::{ClassInstance, Object};
use napi_derive::napi;

use crate::{errors, shown};

/// A core subject-token source.
#[napi]
pub struct Source {
    pub(crate) inner: Arc<dyn SubjectTokenSource>,
}

/// A source's `timeoutMs` as a duration, checked by the core.
fn timeout(env: &Env, ms: f64) -> napi::Result<Duration> {
    errors::checked(env, Span::Millis(ms).duration("timeout"))
}

impl Source {
    fn new(inner: impl SubjectTokenSource) -> Self {
        Source {
            inner: Arc::new(inner),
        }
    }
}

#[napi]
impl Source {
    /// The source's short name, as errors and `Credential.sourceName` give it.
    #[napi(getter)]
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    /// What the source shows of itself (for `util.inspect`).
    #[napi(ts_return_type = "object")]
    pub fn describe<'env>(&self, env: &'env Env) -> napi::Result<Object<'env>> {
        shown::to_js(env, &self.inner.describe())
    }

    /// A JWT you manage yourself.
    #[napi(factory)]
    pub fn fixed(jwt: String) -> Self {
        Source::new(source::Fixed::new(Secret::new(jwt)))
    }

    /// The environment variable `name`, read at every exchange.
    #[napi(factory)]
    pub fn env_var(name: String) -> Self {
        Source::new(source::EnvVar::new(name))
    }

    /// The file at `path`, read and trimmed at every exchange.
    #[napi(factory)]
    pub fn file(path: String) -> Self {
        Source::new(source::File::new(path))
    }

    /// A projected Kubernetes service-account token (`path`, else the default location).
    #[napi(factory)]
    pub fn kubernetes(path: Option<String>) -> Self {
        Source::new(source::File::kubernetes(path.map(Into::into)))
    }

    /// The file named by `AZURE_FEDERATED_TOKEN_FILE` (AKS workload identity).
    #[napi(factory)]
    pub fn azure_federated_token() -> Self {
        Source::new(source::File::azure_federated_token())
    }

    /// The file named by `AWS_WEB_IDENTITY_TOKEN_FILE` (EKS).
    #[napi(factory)]
    pub fn aws_web_identity_token() -> Self {
        Source::new(source::File::aws_web_identity_token())
    }

    /// GitLab CI: the ID token in `variable` (its name under `id_tokens:`).
    #[napi(factory)]
    pub fn gitlab(variable: String) -> Self {
        Source::new(source::CiToken::gitlab(variable))
    }

    /// CircleCI: `CIRCLE_OIDC_TOKEN_V2`, else `CIRCLE_OIDC_TOKEN`.
    #[napi(factory)]
    pub fn circleci() -> Self {
        Source::new(source::CiToken::circleci())
    }

    /// Bitbucket Pipelines: `BITBUCKET_STEP_OIDC_TOKEN`.
    #[napi(factory)]
    pub fn bitbucket() -> Self {
        Source::new(source::CiToken::bitbucket())
    }

    /// HCP Terraform: `TFC_WORKLOAD_IDENTITY_TOKEN`, or `…_<tag>` for a tagged token.
    #[napi(factory)]
    pub fn terraform(tag: Option<String>) -> Self {
        Source::new(source::CiToken::terraform(tag.as_deref()))
    }

    /// Runs `program` with `args` (never through a shell) and exchanges the JWT it prints;
    /// killed after `timeoutMs` (default 30 s).
    #[napi(factory)]
    pub fn command(
        env: Env,
        program: String,
        args: Vec<String>,
        timeout_ms: Option<f64>,
    ) -> napi::Result<Self> {
        let mut core = source::Command::new(program).args(args);
        if let Some(ms) = timeout_ms {
            core = core.timeout(timeout(&env, ms)?);
        }
        Ok(Source::new(core))
    }

    /// Buildkite: `buildkite-agent oidc request-token --audience <audience>`.
    #[napi(factory)]
    pub fn buildkite() -> Self {
        Source::new(source::Command::buildkite())
    }

    /// Tries `sources` in order and exchanges the first JWT one produces.
    #[napi(factory)]
    pub fn chain(sources: Vec<ClassInstance<'_, Source>>) -> Self {
        let chain = sources.iter().fold(source::Chain::new(), |chain, source| {
            chain.with_shared(source.inner.clone())
        });
        Source::new(chain)
    }
}

// After `Source`: the napi macro expands their `impl Source` blocks once it has seen the struct.
mod callback;
mod fetched;
