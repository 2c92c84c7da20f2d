//! The safety net at the boundary: a panic inside a call into the library (a bug of dbfed) is
//! caught and returned as `DbfedError::Internal` ("dbfed internal error (a bug; please report
//! it): …"), so that it reaches Kotlin as `DbfedException.Internal`, inside the `DbfedException`
//! hierarchy, rather than as uniffi's own `InternalException` (which a `catch (e:
//! DbfedException)` misses), and never as a false "runtime stopped". While a guarded call runs,
//! the panic hook prints nothing (the error carries the panic's message and place); elsewhere
//! the default hook reports it. The catching is the core's (`dbfed::panic_guard`); this module
//! makes its `Panic` a `DbfedError`.

pub(crate) use dbfed::panic_guard::{Panic, catch, catch_future};

use crate::error::DbfedError;
use crate::runtime;

impl From<Panic> for DbfedError {
    fn from(panic: Panic) -> Self {
        DbfedError::Internal {
            reason: panic.to_string(),
        }
    }
}

/// Runs `body` of an exported function, a panic in it returned as `DbfedError::Internal`.
pub(crate) fn guard<T>(body: impl FnOnce() -> Result<T, DbfedError>) -> Result<T, DbfedError> {
    catch(body)?
}

/// A panic on purpose, for [`panic_for_tests`].
async fn boom() -> Result<(), DbfedError> {
    panic!("a panic for dbfed's tests")
}

/// Internal, for dbfed's own tests of this safety net (not part of the API): panics on purpose
/// in the call itself (`how` = `"call"`) or in the task a blocking call waits for
/// (`"blocking"`).
#[uniffi::export]
pub fn panic_for_tests(how: String) -> Result<(), DbfedError> {
    match how.as_str() {
        "call" => guard(|| futures::executor::block_on(boom())),
        "blocking" => runtime::block_on(boom()),
        _ => Err(DbfedError::config("how: call or blocking")),
    }
}

/// Internal, for dbfed's own tests of this safety net (not part of the API): panics on purpose
/// in the task of an async call.
#[uniffi::export]
pub async fn panic_for_tests_async() -> Result<(), DbfedError> {
    runtime::run(boom()).await
}
