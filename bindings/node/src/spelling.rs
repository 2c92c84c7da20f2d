//! Option names as the package spells them: the core's canonical names (`client_id`) in
//! camelCase (`clientId`), and `…Ms` for the durations, which JavaScript gives in milliseconds.

use std::borrow::Cow;

use dbfed::options::{camel_case, respell};

/// The options the package takes in milliseconds (`connectTimeoutMs`).
const IN_MILLISECONDS: [&str; 8] = [
    "connect_timeout",
    "request_timeout",
    "initial_backoff",
    "max_backoff",
    "total_budget",
    "negative_cache",
    "expiry_leeway",
    "timeout",
];

/// The package's name of the option `name`.
pub(crate) fn spelled(name: &str) -> String {
    let camel = camel_case(name);
    if IN_MILLISECONDS.contains(&name) {
        camel + "Ms"
    } else {
        camel
    }
}

/// `message` with the options it names in backticks spelled as the package spells them.
pub(crate) fn respelled(message: &str) -> String {
    respell(message, |name| Some(Cow::Owned(spelled(name)))).into_owned()
}
