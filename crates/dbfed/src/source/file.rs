//! A JWT read from a file at every exchange (Kubernetes projected tokens and the like rotate it).

use std::path::{Path, PathBuf};

use futures::future::BoxFuture;

use super::{SourceContext, SubjectTokenSource, non_empty};
use crate::error::{Error, Result};
use crate::token::SubjectToken;

/// Reads the JWT from a file, anew at every exchange; surrounding whitespace is trimmed.
#[derive(Clone, Debug)]
pub struct File {
    path: PathBuf,
}

impl File {
    /// A source that reads `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        File { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl SubjectTokenSource for File {
    fn name(&self) -> &str {
        "file"
    }

    fn subject_token<'a>(&'a self, _: &'a SourceContext) -> BoxFuture<'a, Result<SubjectToken>> {
        Box::pin(async move {
            let what = format!("file {}", self.path.display());
            match tokio::fs::read_to_string(&self.path).await {
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
