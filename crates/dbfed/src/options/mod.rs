//! Options as plain values, one struct per concept, that the builders consume and every binding
//! fills from its own language's arguments: [`Target`] (the workspace or account and the
//! exchange), [`Network`] (timeouts, CA bundle, [`Retry`]), [`UserCache`] (per-user caches),
//! [`EntraApp`] with [`AzureOptions`] and [`OnBehalfOfOptions`] (Azure), [`OidcClient`] (an IdP by
//! client credentials). Every rule and default is checked here, once.
//!
//! A [`ConfigError`](crate::Error::Config) names options by their canonical name (`client_id`,
//! `account_host`) in backticks; a binding shows them in its own spelling with [`respell`] and one
//! table of its own. What a built object shows of itself is a [`Description`], which each
//! binding renders as its `repr`, `inspect` or `toString`.

mod describe;
mod entra;
mod network;
mod oidc;
mod span;
mod target;
mod users;

pub use describe::{Description, Field, Shown};
pub use entra::{AzureOptions, EntraApp, OnBehalfOfOptions};
pub use network::{Network, Networked, Retry};
pub use oidc::{AuthMethod, OidcClient};
pub use span::Span;
pub use target::Target;
pub use users::UserCache;

use std::borrow::Cow;

/// `text` with every option name in backticks (`` `client_id` ``) passed through `spell`, which
/// answers a binding's own spelling of a canonical name (`None`: keep it). Other backticked text
/// (not a lowercase snake_case name) is left alone.
pub fn respell<'a>(
    text: &'a str,
    spell: impl Fn(&str) -> Option<Cow<'static, str>>,
) -> Cow<'a, str> {
    if !text.contains('`') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut parts = text.split('`');
    out.push_str(parts.next().unwrap_or_default());
    let mut inside = true;
    for part in parts {
        out.push('`');
        let is_name = !part.is_empty()
            && part.starts_with(|c: char| c.is_ascii_lowercase())
            && part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        match (inside && is_name).then(|| spell(part)).flatten() {
            Some(spelled) => out.push_str(&spelled),
            None => out.push_str(part),
        }
        inside = !inside;
    }
    Cow::Owned(out)
}

/// `name` in lowerCamelCase (`client_id` → `clientId`), the spelling of JavaScript and Kotlin.
pub fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.extend(c.to_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn respell_changes_option_names_only() {
        let spelled = respell(
            "give `host` or `account_host`, not both; see `.source(…)` and `X`",
            |name| Some(Cow::Owned(camel_case(name))),
        );
        assert_eq!(
            spelled,
            "give `host` or `accountHost`, not both; see `.source(…)` and `X`"
        );
        assert_eq!(respell("no names", |_| None), "no names");
    }
}
