//! What an object shows in `toString()` (Kotlin) and `description` (Swift): the core's
//! description of it (its type and non-secret settings; never a token, a JWT or a secret),
//! rendered here once, as a Kotlin call would read: `Credential(host="…", clientId="…",
//! source=Fixed(<redacted>))`, `AzureCredential.fromEnv(managedIdentity=true)`.

use std::fmt::Write;
use std::time::Duration;

use dbfed::options::{Description, Shown, camel_case};

/// `Type(field=value, …)`, `Type.constructor(…)` for an object made by a named constructor;
/// positional settings without their name, option names in camelCase.
pub(crate) fn render(description: &Description) -> String {
    let mut out = description.type_name.to_owned();
    if let Some(constructor) = description.constructor {
        out.push('.');
        out.push_str(&camel_case(constructor));
    }
    out.push('(');
    for (index, field) in description.fields.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        if !field.positional {
            out.push_str(&camel_case(field.name));
            out.push('=');
        }
        out.push_str(&value(&field.value));
    }
    out.push(')');
    out
}

/// One shown value: text quoted, a duration as `java.time.Duration` shows it (`PT30S`).
fn value(shown: &Shown) -> String {
    match shown {
        Shown::Text(text) => format!("{text:?}"),
        Shown::List(texts) => format!("{texts:?}"),
        Shown::Integer(number) => number.to_string(),
        Shown::Flag(flag) => flag.to_string(),
        Shown::Span(duration) => iso_8601(*duration),
        Shown::Withheld(what) => format!("<{what}>"),
        Shown::Object(description) => render(description),
    }
}

/// `duration` as `java.time.Duration.toString()` gives it: `PT0S`, `PT1.5S`, `PT1H2M3S`.
fn iso_8601(duration: Duration) -> String {
    let seconds = duration.as_secs();
    let (hours, minutes, whole) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let mut out = "PT".to_owned();
    if hours > 0 {
        let _ = write!(out, "{hours}H");
    }
    if minutes > 0 {
        let _ = write!(out, "{minutes}M");
    }
    let nanos = duration.subsec_nanos();
    if whole > 0 || nanos > 0 || out.len() == 2 {
        let _ = write!(out, "{whole}");
        if nanos > 0 {
            let fraction = format!("{nanos:09}");
            let _ = write!(out, ".{}", fraction.trim_end_matches('0'));
        }
        out.push('S');
    }
    out
}
