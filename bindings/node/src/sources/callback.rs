//! `Callback`: JWTs from a JavaScript function. The package wraps the user's function as
//! `async (context) => …`, so that a throw or a wrong type is a rejection, never an exception
//! inside the threadsafe call (which would end the process).

use std::sync::Arc;

use dbfed::source;
use napi::bindgen_prelude::{Function, Promise};
use napi::threadsafe_function::ThreadsafeFunction;
use napi::{Env, Status};
use napi_derive::napi;

use super::{Source, timeout};
use crate::errors::JsException;

/// What a source callback is told.
#[napi(object)]
pub struct SourceContext {
    /// The audience the JWT should carry.
    pub audience: String,
}

/// The function, callable from any thread; weak, so that it never keeps the process alive.
type JsCallback =
    ThreadsafeFunction<SourceContext, Promise<String>, SourceContext, Status, false, true>;

#[napi]
impl Source {
    /// Calls `function(context)` for every JWT; a call that has not settled within `timeoutMs`
    /// (default 60 s) fails, and a rejection becomes a `SOURCE` error whose `cause` is the
    /// rejection's value.
    #[napi(factory)]
    pub fn callback(
        env: Env,
        function: Function<SourceContext, Promise<String>>,
        timeout_ms: Option<f64>,
    ) -> napi::Result<Self> {
        let function: Arc<JsCallback> = Arc::new(
            function
                .build_threadsafe_function()
                .weak::<true>()
                .build()?,
        );
        let mut core = source::Callback::new(move |context: source::SourceContext| {
            let function = function.clone();
            async move {
                let audience = context.audience;
                let promise = function
                    .call_async_catch(SourceContext { audience })
                    .await
                    .map_err(JsException::from)?;
                promise.await.map_err(JsException::from)
            }
        });
        if let Some(ms) = timeout_ms {
            core = core.timeout(timeout(&env, ms)?);
        }
        Ok(Source::new(core))
    }
}
