//! `Endpoints`: where a credential exchanges tokens and which audience it asks for, and why.

use napi_derive::napi;

/// Where a credential exchanges its JWTs, the audience it asks its source for, and how each was
/// found.
#[napi(object)]
pub struct Endpoints {
    /// The token endpoint URL.
    pub token_endpoint: String,
    /// How the token endpoint was found: `configured`, `discovery_url`, `host_metadata` or
    /// `fallback`.
    pub token_endpoint_origin: String,
    /// The audience the source is asked for.
    pub audience: String,
    /// Why this audience: `configured`, `host_metadata`, `account_id` or `token_endpoint`.
    pub audience_origin: String,
}

impl From<dbfed::Endpoints> for Endpoints {
    fn from(endpoints: dbfed::Endpoints) -> Self {
        Endpoints {
            token_endpoint: endpoints.token_endpoint,
            token_endpoint_origin: snake_case(&format!("{:?}", endpoints.token_endpoint_origin)),
            audience: endpoints.audience,
            audience_origin: snake_case(&format!("{:?}", endpoints.audience_origin)),
        }
    }
}

/// `HostMetadata` → `host_metadata`: the name of a core enum variant (its `Debug` text) as the
/// JavaScript API gives it (the same strings as the Python package's).
fn snake_case(name: &str) -> String {
    let mut snake = String::with_capacity(name.len() + 4);
    for (index, letter) in name.chars().enumerate() {
        if letter.is_ascii_uppercase() {
            if index > 0 {
                snake.push('_');
            }
            snake.push(letter.to_ascii_lowercase());
        } else {
            snake.push(letter);
        }
    }
    snake
}
