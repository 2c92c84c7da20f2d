//! What the extension does as Python shuts down: an `atexit` hook, registered when `dbfed` is
//! imported, hands the queued log events to `logging`, then keeps dbfed's threads out of Python
//! for good (see `thread_state`), before the interpreter finalizes.

use pyo3::prelude::*;
use pyo3::types::{PyCFunction, PyDict, PyTuple};

use crate::{logging, thread_state};

/// Registers the hook. After `logging::install`: `atexit` runs the last registered first, so
/// the events are flushed before `logging.shutdown` closes the handlers.
pub(crate) fn register(py: Python<'_>) -> PyResult<()> {
    let hook = PyCFunction::new_closure(
        py,
        Some(c"dbfed_at_exit"),
        None,
        |args: &Bound<'_, PyTuple>, _: Option<&Bound<'_, PyDict>>| {
            let py = args.py();
            logging::flush(py);
            thread_state::close(py);
        },
    )?;
    py.import("atexit")?.call_method1("register", (hook,))?;
    Ok(())
}
