//! Points in time as Python `datetime`s.

use std::time::{SystemTime, UNIX_EPOCH};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyAny;

/// `time` as an aware `datetime` in UTC (times before 1970 become the epoch).
pub(crate) fn utc<'py>(py: Python<'py>, time: SystemTime) -> PyResult<Bound<'py, PyAny>> {
    static FROM_TIMESTAMP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    static UTC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let seconds = time
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64());
    let utc = UTC.import(py, "datetime", "timezone")?.getattr("utc")?;
    FROM_TIMESTAMP
        .import(py, "datetime", "datetime")?
        .call_method1("fromtimestamp", (seconds, utc))
}
