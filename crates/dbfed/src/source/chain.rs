//! A source that tries several in order.

use std::sync::Arc;

use futures::future::BoxFuture;

use super::{SourceContext, SubjectTokenSource};
use crate::error::{Error, Result};
use crate::options::{Description, Shown};
use crate::token::SubjectToken;

/// Tries its sources in order and returns the first JWT one produces; when all fail, the error
/// lists each source's reason.
#[derive(Debug, Default, Clone)]
pub struct Chain {
    sources: Vec<Arc<dyn SubjectTokenSource>>,
}

impl Chain {
    /// An empty chain; add sources with [`Chain::with`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a source.
    pub fn with(mut self, source: impl SubjectTokenSource) -> Self {
        self.sources.push(Arc::new(source));
        self
    }

    /// Appends a shared source.
    pub fn with_shared(mut self, source: Arc<dyn SubjectTokenSource>) -> Self {
        self.sources.push(source);
        self
    }
}

impl SubjectTokenSource for Chain {
    fn name(&self) -> &str {
        "chain"
    }

    fn describe(&self) -> Description {
        self.sources
            .iter()
            .fold(Description::new("Chain"), |description, source| {
                description.positional("source", Shown::Object(Box::new(source.describe())))
            })
    }

    fn check(&self) -> Result<()> {
        self.sources.iter().try_for_each(|source| source.check())
    }

    fn subject_token<'a>(
        &'a self,
        context: &'a SourceContext,
    ) -> BoxFuture<'a, Result<SubjectToken>> {
        Box::pin(async move {
            let mut reasons = Vec::new();
            for source in &self.sources {
                match source.subject_token(context).await {
                    Ok(token) => return Ok(token),
                    Err(err) => {
                        tracing::debug!(source = source.name(), error = %err, "chain: source failed");
                        reasons.push(format!("{}: {err}", source.name()));
                    }
                }
            }
            if reasons.is_empty() {
                return Err(Error::source("chain", "the chain has no sources"));
            }
            Err(Error::source(
                "chain",
                format!("no source produced a JWT ({})", reasons.join("; ")),
            ))
        })
    }
}
