//! `Source`: where the subject JWTs come from, one named constructor per core source, and the
//! `SubjectTokenProvider` interface that foreign code implements for a source of its own.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use dbfed::SubjectTokenSource;
use dbfed::source;

use crate::error::DbfedError;

/// JWTs from the application's own code: implemented in Kotlin (a `suspend fun`) or Swift (an
/// `async` function), and given to `Source.callback`. Called at every exchange with the audience
/// the JWT should carry; what it throws becomes a `Source` error with the exception's
/// description.
#[uniffi::export(foreign)]
#[async_trait::async_trait]
pub trait SubjectTokenProvider: Send + Sync {
    /// The JWT to exchange, for `audience`.
    async fn subject_token(&self, audience: String) -> Result<String, DbfedError>;
}

/// Where the subject JWTs come from. Every source is asked again at each exchange; those that
/// read a file or a variable re-read it, those that make a request cache their JWT until shortly
/// before it expires. `toString()` never shows a JWT.
#[derive(uniffi::Object)]
#[uniffi::export(Display)]
pub struct Source {
    pub(crate) inner: Arc<dyn SubjectTokenSource>,
    shown: String,
}

impl Source {
    fn new(inner: impl SubjectTokenSource, shown: impl Into<String>) -> Arc<Self> {
        Arc::new(Source {
            inner: Arc::new(inner),
            shown: shown.into(),
        })
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

#[uniffi::export]
impl Source {
    /// Always the same JWT (for tests, or a JWT whose lifetime you manage yourself).
    #[uniffi::constructor]
    pub fn fixed(jwt: String) -> Arc<Self> {
        Source::new(source::Fixed::new(jwt), "Fixed(<redacted>)")
    }

    /// The JWT in the environment variable `name`, read anew at every exchange.
    #[uniffi::constructor]
    pub fn env_var(name: String) -> Arc<Self> {
        let shown = format!("EnvVar({name:?})");
        Source::new(source::EnvVar::new(name), shown)
    }

    /// The JWT in the file at `path`, read anew at every exchange and trimmed.
    #[uniffi::constructor]
    pub fn file(path: String) -> Arc<Self> {
        let shown = format!("File({path:?})");
        Source::new(source::File::new(path), shown)
    }

    /// A Kubernetes projected service-account token (the kubelet rotates the file): `path`, by
    /// default `/var/run/secrets/kubernetes.io/serviceaccount/token`.
    #[uniffi::constructor(default(path = None))]
    pub fn kubernetes(path: Option<String>) -> Arc<Self> {
        let shown = match &path {
            Some(path) => format!("Kubernetes({path:?})"),
            None => "Kubernetes()".to_owned(),
        };
        Source::new(source::File::kubernetes(path.map(Into::into)), shown)
    }

    /// GitHub Actions: the job's OIDC ID token (`permissions: id-token: write`), requested from
    /// `ACTIONS_ID_TOKEN_REQUEST_URL` with `ACTIONS_ID_TOKEN_REQUEST_TOKEN` for `audience`, by
    /// default the credential's.
    #[uniffi::constructor(default(audience = None))]
    pub fn git_hub_actions(audience: Option<String>) -> Arc<Self> {
        let mut core = source::GitHubActions::new();
        let shown = match audience {
            Some(audience) => {
                let shown = format!("GitHubActions(audience={audience:?})");
                core = core.audience(audience);
                shown
            }
            None => "GitHubActions()".to_owned(),
        };
        Source::new(core, shown)
    }

    /// GitLab CI: the ID token in `variable`, the name given to it under the job's `id_tokens:`.
    #[uniffi::constructor]
    pub fn git_lab(variable: String) -> Arc<Self> {
        let shown = format!("GitLab({variable:?})");
        Source::new(source::CiToken::gitlab(variable), shown)
    }

    /// CircleCI: `CIRCLE_OIDC_TOKEN_V2`, else `CIRCLE_OIDC_TOKEN`.
    #[uniffi::constructor]
    pub fn circle_ci() -> Arc<Self> {
        Source::new(source::CiToken::circleci(), "CircleCI()")
    }

    /// Bitbucket Pipelines: `BITBUCKET_STEP_OIDC_TOKEN` (a step with `oidc: true`).
    #[uniffi::constructor]
    pub fn bitbucket() -> Arc<Self> {
        Source::new(source::CiToken::bitbucket(), "Bitbucket()")
    }

    /// Your own code: `provider.subjectToken(audience)` at every exchange. A call that has not
    /// returned within `timeout` (default 60 s) fails, and is cancelled.
    #[uniffi::constructor(default(timeout = None))]
    pub fn callback(
        provider: Arc<dyn SubjectTokenProvider>,
        timeout: Option<Duration>,
    ) -> Arc<Self> {
        let timeout = timeout.unwrap_or(source::DEFAULT_CALLBACK_TIMEOUT);
        let core = source::Callback::new(move |context: source::SourceContext| {
            let provider = provider.clone();
            async move {
                provider
                    .subject_token(context.audience)
                    .await
                    .map_err(|err| err.to_string())
            }
        })
        .timeout(timeout);
        Source::new(core, format!("Callback(timeout={timeout:?})"))
    }

    /// Tries `sources` in order and exchanges the first JWT one produces; when all fail, the
    /// error gives each one's reason.
    #[uniffi::constructor]
    pub fn chain(sources: Vec<Arc<Source>>) -> Arc<Self> {
        let shown: Vec<&str> = sources.iter().map(|source| source.shown.as_str()).collect();
        let shown = format!("Chain({})", shown.join(", "));
        let core = sources.iter().fold(source::Chain::new(), |chain, source| {
            chain.with_shared(source.inner.clone())
        });
        Source::new(core, shown)
    }

    /// The source's short name, as errors give it (`github-actions`, `env`, `callback`, …).
    pub fn name(&self) -> String {
        self.inner.name().to_owned()
    }
}
