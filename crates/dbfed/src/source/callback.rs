//! A JWT produced by the application's own async function (what the language bindings' callbacks use).

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use super::{SourceContext, SubjectTokenSource, one_jwt};
use crate::error::{Error, Result};
use crate::options::{Description, Shown};
use crate::token::SubjectToken;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type CallbackFn = dyn Fn(SourceContext) -> BoxFuture<'static, std::result::Result<String, BoxError>>
    + Send
    + Sync;

/// How long a callback may run before the exchange gives up on it, unless set with
/// [`Callback::timeout`].
pub const DEFAULT_CALLBACK_TIMEOUT: Duration = Duration::from_secs(60);

/// Calls an async function of the application for every JWT.
///
/// A call that has not returned within the timeout (default [`DEFAULT_CALLBACK_TIMEOUT`])
/// fails with [`Error::Source`], so a hung callback cannot hang the callers waiting for a token.
#[derive(Clone)]
pub struct Callback {
    function: Arc<CallbackFn>,
    timeout: Duration,
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
            timeout: DEFAULT_CALLBACK_TIMEOUT,
        }
    }

    /// Sets how long one call may run before it fails.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callback")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl SubjectTokenSource for Callback {
    fn name(&self) -> &str {
        "callback"
    }

    fn describe(&self) -> Description {
        let description = Description::new("Callback");
        if self.timeout == DEFAULT_CALLBACK_TIMEOUT {
            description
        } else {
            description.field("timeout", Shown::Span(self.timeout))
        }
    }

    fn subject_token<'a>(
        &'a self,
        context: &'a SourceContext,
    ) -> BoxFuture<'a, Result<SubjectToken>> {
        Box::pin(async move {
            let call = (self.function)(context.clone());
            match tokio::time::timeout(self.timeout, call).await {
                Ok(Ok(jwt)) => one_jwt(self.name(), "the callback's JWT", jwt.as_bytes()),
                Ok(Err(err)) => Err(Error::Source {
                    source_name: self.name().to_owned(),
                    message: format!("the callback failed: {err}"),
                    cause: Some(Arc::from(err)),
                }),
                Err(_elapsed) => Err(Error::source(
                    self.name(),
                    format!("the callback did not return within {:?}", self.timeout),
                )),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_callback_that_does_not_return_in_time_fails() {
        let hung =
            Callback::new(|_| futures::future::pending::<std::result::Result<String, BoxError>>())
                .timeout(Duration::from_secs(5));
        let err = hung
            .subject_token(&SourceContext::new("aud"))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Source { .. }), "{err:?}");
        assert!(
            err.to_string().contains("did not return within 5s"),
            "{err}"
        );
    }
}
