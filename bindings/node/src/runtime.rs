//! napi's Tokio runtime, which settles the promises of `async` methods, is the one the core
//! runs its background refreshes on; two worker threads, as dbfed's work is a few HTTP
//! requests an hour.

use napi::Env;

use crate::errors;

/// Worker threads of the runtime.
const WORKER_THREADS: usize = 2;

/// Gives napi a small runtime of its own when the addon is loaded (if that runtime cannot be
/// built, napi builds its default one on first use).
#[napi_derive::module_init]
fn init() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .thread_name("dbfed-runtime")
        .enable_all()
        .build();
    if let Ok(runtime) = runtime {
        napi::bindgen_prelude::create_custom_tokio_runtime(runtime);
    }
}

/// Builds a core object inside the runtime's context, so that it remembers the runtime for the
/// refreshes it spawns; a core error becomes its JavaScript error.
pub(crate) fn build<T>(env: &Env, body: impl FnOnce() -> dbfed::Result<T>) -> napi::Result<T> {
    errors::checked(
        env,
        napi::bindgen_prelude::within_runtime_if_available(body),
    )
}
