//! The configuration flags every command shares; they override the environment variables of
//! the same meaning, and the core reads both through one lookup.

use std::collections::HashMap;

use clap::Args;
use dbfed::Credential;
use dbfed::config::{Env, credential_from};

/// Where to get tokens; each flag overrides the environment variable named in its help.
#[derive(Args, Clone, Debug, Default)]
pub struct ConfigArgs {
    /// Workspace or account URL [env: DATABRICKS_HOST].
    #[arg(long)]
    pub host: Option<String>,
    /// Databricks account id [env: DATABRICKS_ACCOUNT_ID].
    #[arg(long)]
    pub account_id: Option<String>,
    /// Service principal application id, for workload identity federation [env: DATABRICKS_CLIENT_ID].
    #[arg(long)]
    pub client_id: Option<String>,
    /// Where the JWT comes from: github-oidc, env-oidc, file-oidc, … [env: DATABRICKS_AUTH_TYPE].
    #[arg(long)]
    pub auth_type: Option<String>,
    /// Audience to request for the JWT [env: DATABRICKS_TOKEN_AUDIENCE].
    #[arg(long)]
    pub audience: Option<String>,
    /// File holding the JWT, for file-oidc [env: DATABRICKS_OIDC_TOKEN_FILEPATH].
    #[arg(long)]
    pub token_file: Option<String>,
    /// Variable holding the JWT, for env-oidc [env: DATABRICKS_OIDC_TOKEN_ENV].
    #[arg(long)]
    pub token_env: Option<String>,
    /// OIDC discovery URL of the Databricks token endpoint [env: DATABRICKS_DISCOVERY_URL].
    #[arg(long)]
    pub discovery_url: Option<String>,
}

impl ConfigArgs {
    /// The environment as the core sees it: these flags first, then the process environment.
    pub fn env(&self) -> Env {
        let flags: HashMap<&'static str, String> = [
            ("DATABRICKS_HOST", &self.host),
            ("DATABRICKS_ACCOUNT_ID", &self.account_id),
            ("DATABRICKS_CLIENT_ID", &self.client_id),
            ("DATABRICKS_AUTH_TYPE", &self.auth_type),
            ("DATABRICKS_TOKEN_AUDIENCE", &self.audience),
            ("DATABRICKS_OIDC_TOKEN_FILEPATH", &self.token_file),
            ("DATABRICKS_OIDC_TOKEN_ENV", &self.token_env),
            ("DATABRICKS_DISCOVERY_URL", &self.discovery_url),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.clone().map(|value| (name, value)))
        .collect();
        Env::from_lookup(move |name| {
            flags
                .get(name)
                .cloned()
                .or_else(|| std::env::var(name).ok())
        })
    }

    /// The configured host, from the flag or `DATABRICKS_HOST`.
    pub fn host(&self) -> Option<String> {
        self.env().get("DATABRICKS_HOST")
    }

    /// The credential this configuration describes.
    pub fn credential(&self) -> dbfed::Result<Credential> {
        credential_from(&self.env())
    }
}
