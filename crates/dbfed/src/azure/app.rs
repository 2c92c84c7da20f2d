//! An Entra application as a client: its authority, tenant and client id, and how it proves
//! itself (a client secret, or a client assertion fetched afresh for every token request).

use std::fmt;
use std::sync::Arc;

use url::Url;

use super::{DEFAULT_AUTHORITY_HOST, FEDERATED_TOKEN_AUDIENCE};
use crate::error::{Error, Result};
use crate::http::secure_url;
use crate::options::{Description, Shown};
use crate::source::{self, SourceContext, SubjectTokenSource};
use crate::token::Secret;

const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How an Entra application authenticates.
#[derive(Clone)]
pub(crate) enum ClientAuth {
    /// A client secret.
    Secret(Secret),
    /// A JWT from a source, presented as a client assertion (workload identity federation).
    Assertion(Arc<dyn SubjectTokenSource>),
}

impl fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientAuth::Secret(_) => f.write_str("client secret"),
            ClientAuth::Assertion(source) => {
                write!(f, "client assertion from `{}`", source.name())
            }
        }
    }
}

/// An application's settings as a builder collects them.
#[derive(Clone, Debug, Default)]
pub(crate) struct AppSettings {
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    pub authority_host: Option<String>,
    pub auth: Option<ClientAuth>,
}

impl AppSettings {
    /// Takes `AZURE_AUTHORITY_HOST`, `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and, as the way to
    /// authenticate, `AZURE_CLIENT_SECRET` or else `AZURE_FEDERATED_TOKEN_FILE`, where set.
    pub fn read_env(&mut self) {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|value| !value.trim().is_empty())
        };
        if let Some(host) = var("AZURE_AUTHORITY_HOST") {
            self.authority_host = Some(host);
        }
        if let Some(tenant_id) = var("AZURE_TENANT_ID") {
            self.tenant_id = Some(tenant_id);
        }
        if let Some(client_id) = var("AZURE_CLIENT_ID") {
            self.client_id = Some(client_id);
        }
        if let Some(secret) = var("AZURE_CLIENT_SECRET") {
            self.auth = Some(ClientAuth::Secret(Secret::from(secret)));
        } else if let Some(path) = var("AZURE_FEDERATED_TOKEN_FILE") {
            self.auth = Some(ClientAuth::Assertion(Arc::new(source::File::new(path))));
        }
    }

    /// The settings shown (never the secret).
    pub fn describe(&self, description: Description) -> Description {
        let description = description
            .text("tenant_id", self.tenant_id.as_deref())
            .text("client_id", self.client_id.as_deref());
        let description = match &self.auth {
            Some(ClientAuth::Secret(_)) => description.secret("client_secret", true),
            Some(ClientAuth::Assertion(source)) => description.field(
                "client_assertion",
                Shown::Object(Box::new(source.describe())),
            ),
            None => description,
        };
        description.text("authority_host", self.authority_host.as_deref())
    }

    /// Whether a client secret or assertion is set.
    pub fn has_auth(&self) -> bool {
        self.auth.is_some()
    }

    /// Checks the settings: a tenant, a client id, a way to authenticate, a safe authority.
    pub fn build(self) -> Result<EntraApp> {
        let tenant_id = self
            .tenant_id
            .map(|tenant| tenant.trim().to_owned())
            .filter(|tenant| !tenant.is_empty())
            .ok_or_else(|| Error::config("no tenant id: set `tenant_id` (or AZURE_TENANT_ID)"))?;
        if !tenant_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        {
            return Err(Error::config(format!(
                "tenant id `{tenant_id}` is not a tenant id or domain name"
            )));
        }
        let client_id = self
            .client_id
            .map(|client| client.trim().to_owned())
            .filter(|client| !client.is_empty())
            .ok_or_else(|| Error::config("no client id: set `client_id` (or AZURE_CLIENT_ID)"))?;
        let auth = self.auth.ok_or_else(|| {
            Error::config(
                "no client credential: set `client_secret` or `client_assertion` \
                 (or AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE)",
            )
        })?;
        if let ClientAuth::Assertion(source) = &auth {
            source.check()?;
        }
        let authority = self
            .authority_host
            .as_deref()
            .unwrap_or(DEFAULT_AUTHORITY_HOST)
            .trim()
            .trim_end_matches('/')
            .to_owned();
        secure_url(&authority, "Entra authority host")?;
        Ok(EntraApp {
            authority,
            tenant_id,
            client_id,
            auth,
        })
    }
}

/// A checked Entra application.
#[derive(Debug)]
pub(crate) struct EntraApp {
    authority: String,
    tenant_id: String,
    client_id: String,
    auth: ClientAuth,
}

impl EntraApp {
    /// The application (client) id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The tenant's v1 token endpoint, `{authority}/{tenant}/oauth2/token` (`resource=`).
    pub fn v1_token_url(&self) -> Result<Url> {
        self.url("oauth2/token")
    }

    /// The tenant's v2 token endpoint, `{authority}/{tenant}/oauth2/v2.0/token` (`scope=`).
    pub fn v2_token_url(&self) -> Result<Url> {
        self.url("oauth2/v2.0/token")
    }

    fn url(&self, path: &str) -> Result<Url> {
        secure_url(
            &format!("{}/{}/{path}", self.authority, self.tenant_id),
            "Entra token endpoint",
        )
    }

    /// The form fields that authenticate the application; a client assertion is fetched from
    /// its source anew at every call, so a short-lived federated JWT is never reused stale.
    pub async fn client_auth(&self) -> Result<Vec<(&'static str, Secret)>> {
        Ok(match &self.auth {
            ClientAuth::Secret(secret) => vec![("client_secret", secret.clone())],
            ClientAuth::Assertion(source) => {
                let context = SourceContext::new(FEDERATED_TOKEN_AUDIENCE);
                let assertion = source.subject_token(&context).await?;
                vec![
                    ("client_assertion_type", Secret::from(CLIENT_ASSERTION_TYPE)),
                    ("client_assertion", Secret::from(assertion.jwt())),
                ]
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> AppSettings {
        AppSettings {
            tenant_id: Some("contoso.onmicrosoft.com".into()),
            client_id: Some("app".into()),
            authority_host: None,
            auth: Some(ClientAuth::Secret(Secret::from("s3cr3t"))),
        }
    }

    #[test]
    fn token_urls_follow_the_authority_and_tenant() {
        let app = settings().build().unwrap();
        assert_eq!(
            app.v1_token_url().unwrap().as_str(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/token"
        );
        let app = AppSettings {
            authority_host: Some("https://login.microsoftonline.us/".into()),
            ..settings()
        }
        .build()
        .unwrap();
        assert_eq!(
            app.v2_token_url().unwrap().as_str(),
            "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        assert!(!format!("{app:?}").contains("s3cr3t"));
    }

    #[test]
    fn incomplete_or_unsafe_settings_are_refused() {
        for broken in [
            AppSettings {
                tenant_id: None,
                ..settings()
            },
            AppSettings {
                tenant_id: Some("../evil".into()),
                ..settings()
            },
            AppSettings {
                client_id: Some(" ".into()),
                ..settings()
            },
            AppSettings {
                auth: None,
                ..settings()
            },
            AppSettings {
                authority_host: Some("http://login.example.com".into()),
                ..settings()
            },
        ] {
            assert!(matches!(broken.build(), Err(Error::Config { .. })));
        }
    }
}
