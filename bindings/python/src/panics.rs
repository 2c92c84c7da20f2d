//! The safety net at the boundary: a panic anywhere inside a call into the extension (a bug of
//! dbfed) is caught and raised as `dbfed.DbfedError` ("dbfed internal error (a bug; please report
//! it): …"), which `except Exception` catches; never pyo3's `PanicException` (a `BaseException`),
//! never an answer lost as "runtime stopped". While a guarded call runs, the panic hook prints
//! nothing (the exception carries the panic's message and place); elsewhere (a background task
//! of the core) the default hook reports it. The catching is the core's (`dbfed::panic_guard`);
//! this module makes its `Panic` a Python exception.

use pyo3::prelude::*;

pub(crate) use dbfed::panic_guard::{Panic, catch, catch_future};

use crate::errors;

/// The `dbfed.DbfedError` raised for a panic.
pub(crate) fn to_py_err(panic: &Panic, py: Python<'_>) -> PyErr {
    errors::base_error(py, &panic.to_string())
}

/// Runs `body` with the GIL-holding caller's `py`, a panic in it raised as `DbfedError`.
pub(crate) fn guard<T>(py: Python<'_>, body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch(body).unwrap_or_else(|panic| Err(to_py_err(&panic, py)))
}

/// Internal, for dbfed's own tests of this safety net (not part of the API): panics on purpose
/// in a sync call (`how="call"`), in a task a sync call waits for (`"blocking"`), or in the task
/// of a coroutine (`"async"`, which returns that coroutine).
#[pyfunction]
pub(crate) fn _panic_for_tests<'py>(py: Python<'py>, how: &str) -> PyResult<Bound<'py, PyAny>> {
    fn boom() -> dbfed::Result<()> {
        panic!("a panic for dbfed's tests")
    }
    match how {
        "call" => guard(py, || {
            boom().map_err(|err| errors::to_py_err(py, &err))?;
            Ok(py.None().into_bound(py))
        }),
        "blocking" => {
            crate::runtime::block_on(py, async { boom() })?
                .map_err(|err| errors::to_py_err(py, &err))?;
            Ok(py.None().into_bound(py))
        }
        "async" => crate::coroutine::coroutine(
            py,
            None,
            || Box::pin(async { boom() }),
            |py, ()| Ok(py.None()),
        ),
        _ => Err(errors::config_error(py, "how: call, blocking or async")),
    }
}
