//! Python-style text for `repr()`s: the core's `Description` of an object rendered as a call,
//! `Type(positional, name=value)`.

use dbfed::options::{Description, Shown};
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyString};

/// `text` as Python shows a `str` (`'…'`).
pub(crate) fn quoted(py: Python<'_>, text: &str) -> PyResult<String> {
    Ok(PyString::new(py, text).repr()?.to_string())
}

/// `description` as a Python call: `Credential(host='h', source=EnvVar('X'))`, or
/// `Credential.from_env(…)` for a named constructor.
pub(crate) fn render(py: Python<'_>, description: &Description) -> PyResult<String> {
    let mut text = description.type_name.to_owned();
    if let Some(constructor) = description.constructor {
        text.push('.');
        text.push_str(constructor);
    }
    let arguments: PyResult<Vec<String>> = description
        .fields
        .iter()
        .map(|field| {
            let value = value(py, &field.value)?;
            Ok(if field.positional {
                value
            } else {
                format!("{}={value}", field.name)
            })
        })
        .collect();
    Ok(format!("{text}({})", arguments?.join(", ")))
}

/// One shown value in Python's notation; a length of time in seconds, as a float.
fn value(py: Python<'_>, shown: &Shown) -> PyResult<String> {
    Ok(match shown {
        Shown::Text(text) => quoted(py, text)?,
        Shown::List(texts) => {
            let items: PyResult<Vec<String>> = texts.iter().map(|text| quoted(py, text)).collect();
            format!("[{}]", items?.join(", "))
        }
        Shown::Integer(number) => number.to_string(),
        Shown::Flag(flag) => if *flag { "True" } else { "False" }.to_owned(),
        Shown::Span(duration) => PyFloat::new(py, duration.as_secs_f64()).repr()?.to_string(),
        Shown::Withheld(what) => format!("<{what}>"),
        Shown::Object(description) => render(py, description)?,
    })
}
