//! The safety net at the boundary: a panic anywhere inside a call into the addon (a bug of
//! dbfed) is caught and thrown (or rejected with) as a `DbfedError` of code `INTERNAL` ("dbfed
//! internal error (a bug; please report it): …"); never an abort of the process (a panic
//! unwinding out of a napi callback aborts it), never napi's plain "Panic in async function".
//! While a guarded call runs, the panic hook prints nothing (the error carries the panic's
//! message and place); elsewhere the default hook reports it. The catching is the core's
//! (`dbfed::panic_guard`); this module makes its `Panic` a JavaScript error.

use std::future::Future;

use dbfed::panic_guard::{catch, catch_future};
use napi::{Env, JsValue, Status};
use napi_derive::napi;

pub(crate) use dbfed::panic_guard::Panic;

use crate::errors::Settled;

/// The JavaScript error for a panic: code `INTERNAL` (a `DbfedError` once `node/lib/errors.js`
/// lifts it).
pub(crate) fn to_js(panic: &Panic, env: &Env) -> napi::Error {
    let message = panic.to_string();
    let made = env
        .create_error(napi::Error::new(Status::GenericFailure, message.clone()))
        .and_then(|mut object| {
            object.set("code", "INTERNAL")?;
            Ok(object)
        });
    match made {
        Ok(object) => napi::Error::from(object.to_unknown()),
        Err(_) => napi::Error::new(Status::GenericFailure, message),
    }
}

/// Runs `body` of a sync call, a panic in it thrown as the `INTERNAL` error.
pub(crate) fn guard<T>(env: &Env, body: impl FnOnce() -> napi::Result<T>) -> napi::Result<T> {
    catch(body).unwrap_or_else(|panic| Err(to_js(&panic, env)))
}

/// A core `async` call, polled under the guard: what it settles its promise with.
pub(crate) async fn settle<T>(
    future: impl Future<Output = dbfed::Result<T>>,
) -> napi::Result<Settled<T>> {
    Ok(match catch_future(future).await {
        Ok(result) => Settled::Done(result),
        Err(panic) => Settled::Panicked(panic),
    })
}

/// A panic on purpose, for the test hooks below.
fn boom() -> dbfed::Result<()> {
    panic!("a panic for dbfed's tests")
}

/// Internal, for dbfed's own tests of this safety net (not part of the API): panics on purpose
/// in a sync call, which throws the `INTERNAL` error.
#[napi(js_name = "_panicForTests")]
#[cfg_attr(
    test,
    allow(
        dead_code,
        reason = "napi registers its functions outside of test builds only"
    )
)]
pub fn panic_for_tests(env: Env) -> napi::Result<()> {
    guard(&env, || {
        boom().map_err(|err| crate::errors::to_js(&env, &err))
    })
}

/// Internal, for dbfed's own tests of this safety net (not part of the API): panics on purpose
/// in an `async` call, whose promise rejects with the `INTERNAL` error.
#[napi(js_name = "_panicForTestsAsync", ts_return_type = "Promise<void>")]
#[cfg_attr(
    test,
    allow(
        dead_code,
        reason = "napi registers its functions outside of test builds only"
    )
)]
pub async fn panic_for_tests_async() -> napi::Result<Settled<()>> {
    settle(async { boom() }).await
}
