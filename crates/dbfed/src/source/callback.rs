//! A JWT produced by the application's own async function (what the language bindings' callbacks use).

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;

use super::{SourceContext, SubjectTokenSource, non_empty};
use crate::error::{Error, Result};
use crate::token::SubjectToken;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type CallbackFn = dyn Fn(SourceContext) -> BoxFuture<'static, std::result::Result<String, BoxError>>
    + Send
    + Sync;

/// Calls an async function of the application for every JWT.
#[derive(Clone)]
pub struct Callback {
    function: Arc<CallbackFn>,
}

impl Callback {
    /// A source that calls `function` with the context and exchanges the JWT it returns.
    pub fn new<F, Fut, E>(function: F) -> Self
    where
        F: Fn(SourceContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<String, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        Callback {
            function: Arc::new(move |context| {
                let future = function(context);
                Box::pin(async move { future.await.map_err(Into::into) })
            }),
        }
    }
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Callback")
    }
}

impl SubjectTokenSource for Callback {
    fn name(&self) -> &str {
        "callback"
    }

    fn subject_token<'a>(
        &'a self,
        context: &'a SourceContext,
    ) -> BoxFuture<'a, Result<SubjectToken>> {
        Box::pin(async move {
            match (self.function)(context.clone()).await {
                Ok(jwt) => non_empty(self.name(), "the callback's JWT", &jwt),
                Err(err) => Err(Error::Source {
                    source_name: self.name().to_owned(),
                    message: format!("the callback failed: {err}"),
                    cause: Some(Arc::from(err)),
                }),
            }
        })
    }
}
