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
}

/// `Source` factories that wrap one core source each: `factory(arguments) => core source;`.
/// Their doc strings are `#[doc = "…"]`: napi-derive would copy a `///` comment that passed
/// through a macro into native.d.ts with its raw-string prefix (`r" …`).
macro_rules! factories {
    ($($(#[$doc:meta])* $factory:ident($($argument:ident: $type:ty),*) => $core:expr;)*) => {
        #[napi]
        impl Source {$(
            $(#[$doc])*
            #[napi(factory)]
            pub fn $factory($($argument: $type),*) -> Self {
                Source::new($core)
            }
        )*}
    };
}

factories! {
    #[doc = "A JWT you manage yourself."]
    fixed(jwt: String) => source::Fixed::new(Secret::new(jwt));
    #[doc = "The environment variable `name`, read at every exchange."]
    env_var(name: String) => source::EnvVar::new(name);
    #[doc = "The file at `path`, read and trimmed at every exchange."]
    file(path: String) => source::File::new(path);
    #[doc = "A projected Kubernetes service-account token (`path`, else the default location)."]
    kubernetes(path: Option<String>) => source::File::kubernetes(path.map(Into::into));
    #[doc = "The file named by `AZURE_FEDERATED_TOKEN_FILE` (AKS workload identity)."]
    azure_federated_token() => source::File::azure_federated_token();
    #[doc = "The file named by `AWS_WEB_IDENTITY_TOKEN_FILE` (EKS)."]
    aws_web_identity_token() => source::File::aws_web_identity_token();
    #[doc = "GitLab CI: the ID token in `variable` (its name under `id_tokens:`)."]
    gitlab(variable: String) => source::CiToken::gitlab(variable);
    #[doc = "CircleCI: `CIRCLE_OIDC_TOKEN_V2`, else `CIRCLE_OIDC_TOKEN`."]
    circleci() => source::CiToken::circleci();
    #[doc = "Bitbucket Pipelines: `BITBUCKET_STEP_OIDC_TOKEN`."]
    bitbucket() => source::CiToken::bitbucket();
    #[doc = "HCP Terraform: `TFC_WORKLOAD_IDENTITY_TOKEN`, or `…_<tag>` for a tagged token."]
    terraform(tag: Option<String>) => source::CiToken::terraform(tag.as_deref());
    #[doc = "Buildkite: `buildkite-agent oidc request-token --audience <audience>`."]
    buildkite() => source::Command::buildkite();
}

#[napi]
impl Source {
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
