//! A JWT read from a file at every exchange (Kubernetes projected tokens and the like rotate it).

use std::path::PathBuf;

use futures::future::BoxFuture;

use super::{SourceContext, SubjectTokenSource, non_empty};
use crate::error::{Error, Result};
use crate::token::SubjectToken;

/// The default path of a Kubernetes service account's token.
pub const KUBERNETES_SERVICE_ACCOUNT_TOKEN: &str =
    "/var/run/secrets/kubernetes.io/serviceaccount/token";

/// Reads the JWT from a file, anew at every exchange; surrounding whitespace is trimmed.
#[derive(Clone, Debug)]
pub struct File {
    name: &'static str,
    path: FilePath,
}

#[derive(Clone, Debug)]
enum FilePath {
    /// A fixed path.
    Fixed(PathBuf),
    /// The path in an environment variable, read at every exchange.
    InEnv(&'static str),
}

impl File {
    /// A source that reads `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        File {
            name: "file",
            path: FilePath::Fixed(path.into()),
        }
    }

    /// A Kubernetes service account token: a projected volume's path, or `None` for the default
    /// [`KUBERNETES_SERVICE_ACCOUNT_TOKEN`]. The kubelet rotates the file; it is re-read.
    pub fn kubernetes(path: Option<PathBuf>) -> Self {
        File {
            name: "kubernetes",
            path: FilePath::Fixed(path.unwrap_or_else(|| KUBERNETES_SERVICE_ACCOUNT_TOKEN.into())),
        }
    }

    /// The file named by `AZURE_FEDERATED_TOKEN_FILE` (AKS workload identity).
    pub fn azure_federated_token() -> Self {
        File {
            name: "kubernetes",
            path: FilePath::InEnv("AZURE_FEDERATED_TOKEN_FILE"),
        }
    }

    /// The file named by `AWS_WEB_IDENTITY_TOKEN_FILE` (EKS IAM roles for service accounts).
    pub fn aws_web_identity_token() -> Self {
        File {
            name: "kubernetes",
            path: FilePath::InEnv("AWS_WEB_IDENTITY_TOKEN_FILE"),
        }
    }

    fn resolve(&self) -> Result<PathBuf> {
        match &self.path {
            FilePath::Fixed(path) => Ok(path.clone()),
            FilePath::InEnv(variable) => match std::env::var(variable) {
                Ok(path) if !path.trim().is_empty() => Ok(PathBuf::from(path.trim())),
                _ => Err(Error::source(self.name, format!("{variable} is not set"))),
            },
        }
    }
}

impl SubjectTokenSource for File {
    fn name(&self) -> &str {
        self.name
    }

    fn subject_token<'a>(&'a self, _: &'a SourceContext) -> BoxFuture<'a, Result<SubjectToken>> {
        Box::pin(async move {
            let path = self.resolve()?;
            let what = format!("file {}", path.display());
            match tokio::fs::read_to_string(&path).await {
                Ok(text) => non_empty(self.name(), &what, &text),
                Err(err) => Err(Error::source_with_cause(
                    self.name(),
                    format!("cannot read {what}: {err}"),
                    err,
                )),
            }
        })
    }
}
