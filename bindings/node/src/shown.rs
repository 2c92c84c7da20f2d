//! What an object shows in `util.inspect`: the core's description of it (its type and
//! non-secret settings) as plain JavaScript values, `{ type, factory, fields }`, which
//! `node/lib/shown.js` renders. Names are spelled as the package spells its options, durations
//! are in milliseconds and what is withheld is `'<redacted>'` (or `'<2 arguments>'`).

use dbfed::options::{Description, Shown, camel_case};
use napi::bindgen_prelude::{Object, ToNapiValue};
use napi::{Env, JsValue, Unknown};

use crate::spelling::spelled;

/// The description as a JavaScript object; a setting named more than once (the sources of a
/// chain) is one array.
pub(crate) fn to_js<'env>(env: &'env Env, description: &Description) -> napi::Result<Object<'env>> {
    let mut names: Vec<&str> = Vec::new();
    for field in &description.fields {
        if !names.contains(&field.name) {
            names.push(field.name);
        }
    }
    let mut fields = Object::new(env)?;
    for name in names {
        let mut values = description
            .fields
            .iter()
            .filter(|field| field.name == name)
            .map(|field| value(env, &field.value))
            .collect::<napi::Result<Vec<_>>>()?;
        if values.len() == 1 {
            fields.set(spelled(name), values.remove(0))?;
        } else {
            fields.set(spelled(name), values)?;
        }
    }
    let mut object = Object::new(env)?;
    object.set("type", description.type_name)?;
    object.set("factory", description.constructor.map(camel_case))?;
    object.set("fields", fields)?;
    Ok(object)
}

/// One shown value in JavaScript.
fn value<'env>(env: &'env Env, shown: &Shown) -> napi::Result<Unknown<'env>> {
    match shown {
        Shown::Text(text) => text.as_str().into_unknown(env),
        Shown::List(texts) => texts.clone().into_unknown(env),
        Shown::Integer(number) => (*number as f64).into_unknown(env),
        Shown::Flag(flag) => (*flag).into_unknown(env),
        Shown::Span(duration) => (duration.as_secs_f64() * 1000.0).into_unknown(env),
        Shown::Withheld(what) => format!("<{what}>").into_unknown(env),
        Shown::Object(description) => Ok(to_js(env, description)?.to_unknown()),
    }
}
