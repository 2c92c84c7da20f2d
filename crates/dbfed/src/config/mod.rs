//! `Credential::from_env()`: configuration from the Databricks unified-auth environment
//! variables, with the source named by `DATABRICKS_AUTH_TYPE` or detected from the environment.

mod auth_type;
mod secrets;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

pub use auth_type::AuthType;
pub use secrets::secret_env_vars;

use crate::credential::{Credential, CredentialBuilder};
use crate::error::{Error, Result};
use crate::http::HttpOptions;
use crate::options::{Description, Network, OidcClient};
use crate::retry::RetryPolicy;
use crate::source::{self, SubjectTokenSource};
use crate::token::Secret;

/// The environment variables read, through a lookup function (so tests need not mutate the
/// process environment). Empty values count as unset.
pub struct Env {
    lookup: Box<Lookup>,
}

/// Answers a variable's value by its name.
type Lookup = dyn Fn(&str) -> Option<String> + Send + Sync;

impl Env {
    /// The process environment.
    pub fn process() -> Self {
        Env::from_lookup(|name| std::env::var(name).ok())
    }

    /// An environment answered by `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Env {
            lookup: Box::new(lookup),
        }
    }

    /// The variable's value, if set and not blank.
    pub fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|value| !value.trim().is_empty())
    }

    /// The first of `names` that is set.
    fn first(&self, names: &[&str]) -> Option<String> {
        names.iter().find_map(|name| self.get(name))
    }

    /// The Entra app's tenant and client id (`ARM_*`, as the Databricks SDKs name them, or
    /// `AZURE_*`, as Azure Identity does), or what is missing.
    fn azure_app(&self) -> Result<(String, String), String> {
        let tenant = self
            .first(&["ARM_TENANT_ID", "AZURE_TENANT_ID"])
            .ok_or("neither ARM_TENANT_ID nor AZURE_TENANT_ID is set")?;
        let client = self
            .first(&["ARM_CLIENT_ID", "AZURE_CLIENT_ID"])
            .ok_or("neither ARM_CLIENT_ID nor AZURE_CLIENT_ID is set")?;
        Ok((tenant, client))
    }

    /// The managed identity endpoint of App Service, Functions or Container Apps and its
    /// secret header, when both `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` are set.
    fn app_service_identity(&self) -> Option<(String, String)> {
        Some((self.get("IDENTITY_ENDPOINT")?, self.get("IDENTITY_HEADER")?))
    }

    /// The variable holding the JWT for `env-oidc` (`DATABRICKS_OIDC_TOKEN_ENV`, default
    /// `DATABRICKS_OIDC_TOKEN`).
    fn oidc_token_variable(&self) -> String {
        self.get("DATABRICKS_OIDC_TOKEN_ENV")
            .unwrap_or_else(|| "DATABRICKS_OIDC_TOKEN".to_owned())
    }

    /// The variable naming the JWT file for `file-oidc`, and the file.
    fn oidc_token_file(&self) -> Option<(&'static str, PathBuf)> {
        [
            "DATABRICKS_OIDC_TOKEN_FILEPATH",
            "DATABRICKS_OIDC_TOKEN_FILE",
        ]
        .into_iter()
        .find_map(|name| self.get(name).map(|path| (name, PathBuf::from(path))))
    }

    /// `TFC_WORKLOAD_IDENTITY_TOKEN`, or `…_<TAG>` with `DBFED_TFC_WORKLOAD_IDENTITY_TAG`.
    fn terraform_token_variable(&self) -> String {
        match self.get("DBFED_TFC_WORKLOAD_IDENTITY_TAG") {
            Some(tag) => format!("TFC_WORKLOAD_IDENTITY_TOKEN_{tag}"),
            None => "TFC_WORKLOAD_IDENTITY_TOKEN".to_owned(),
        }
    }

    /// Whether the machine says it is a Google Cloud VM (a local file read, no network).
    fn on_google_cloud(&self) -> bool {
        std::fs::read_to_string("/sys/class/dmi/id/product_name")
            .is_ok_and(|name| name.trim().starts_with("Google"))
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Env")
    }
}

/// Which auth type the environment selects, and why; and why each one before it was skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Detection {
    /// The auth type chosen.
    pub auth_type: AuthType,
    /// Why: `DATABRICKS_AUTH_TYPE`, or what in the environment showed it.
    pub reason: String,
    /// The auth types tried before it, each with why it did not apply.
    pub skipped: Vec<(AuthType, String)>,
}

/// Picks the auth type: `DATABRICKS_AUTH_TYPE` if set, else the first in
/// [`AuthType::DETECTION_ORDER`] the environment shows; the error lists every one tried.
pub fn detect(env: &Env) -> Result<Detection> {
    if let Some(name) = env.get("DATABRICKS_AUTH_TYPE") {
        let auth_type: AuthType = name.parse()?;
        return Ok(Detection {
            auth_type,
            reason: format!("DATABRICKS_AUTH_TYPE={name}"),
            skipped: Vec::new(),
        });
    }
    let mut skipped = Vec::new();
    for auth_type in AuthType::DETECTION_ORDER {
        match auth_type.detect(env) {
            Ok(reason) => {
                return Ok(Detection {
                    auth_type,
                    reason,
                    skipped,
                });
            }
            Err(why_not) => skipped.push((auth_type, why_not)),
        }
    }
    let tried: Vec<String> = skipped
        .iter()
        .map(|(auth_type, why)| format!("{auth_type}: {why}"))
        .collect();
    Err(Error::config(format!(
        "no subject-token source found in the environment; tried {} (set DATABRICKS_AUTH_TYPE to choose one)",
        tried.join("; ")
    )))
}

/// The credential `env` describes: a token exchange with the detected source, or, for the
/// Azure auth types, Entra tokens used directly.
pub fn credential_from(env: &Env) -> Result<Credential> {
    credential_with(env, &Network::default())
}

/// Like [`credential_from`], with the network settings that no variable sets (checked here).
pub fn credential_with(env: &Env, network: &Network) -> Result<Credential> {
    let (http, retry) = (network.http_options()?, network.retry_policy()?);
    let detection = detect(env)?;
    if detection.auth_type.is_azure() {
        return azure_credential(detection.auth_type, env, http, retry);
    }
    let credential = builder_from(env)?
        .http_options(http)
        .retry_policy(retry)
        .build()?;
    let description = Description::new("Credential")
        .constructor("from_env")
        .text("source_name", credential.source_name())
        .text("account_id", credential.account_id());
    Ok(credential.described(description))
}

/// The Entra credential for an Azure auth type.
fn azure_credential(
    auth_type: AuthType,
    env: &Env,
    http: HttpOptions,
    retry: RetryPolicy,
) -> Result<Credential> {
    let mut builder = Credential::azure().http_options(http).retry_policy(retry);
    if let Some(host) = env.get("AZURE_AUTHORITY_HOST") {
        builder = builder.authority_host(host);
    }
    if auth_type == AuthType::AzureMsi {
        builder = builder.managed_identity();
        if let Some(client_id) = env.first(&["ARM_CLIENT_ID", "AZURE_CLIENT_ID"]) {
            builder = builder.client_id(client_id);
        }
        if let Some(host) = env.get("AZURE_POD_IDENTITY_AUTHORITY_HOST") {
            let host = host.trim().trim_end_matches('/').to_owned();
            builder = builder.imds_endpoint(format!("{host}/metadata/identity/oauth2/token"));
        }
        if let Some((endpoint, header)) = env.app_service_identity() {
            builder = builder.identity_endpoint(endpoint, Secret::new(header));
        }
        return builder.build();
    }
    let (tenant, client) = env
        .azure_app()
        .map_err(|missing| Error::config(format!("{auth_type}: {missing}")))?;
    builder = builder.tenant_id(tenant).client_id(client);
    builder = match auth_type {
        AuthType::GitHubOidcAzure => builder.client_assertion(source::GitHubActions::new()),
        _ => {
            let secret = env
                .first(&["ARM_CLIENT_SECRET", "AZURE_CLIENT_SECRET"])
                .ok_or_else(|| Error::config(format!("{auth_type}: no client secret is set")))?;
            builder.client_secret(Secret::new(secret))
        }
    };
    builder.build()
}

/// A token-exchange builder configured from `env`: host, account id, client id, audience,
/// discovery URL and the detected source (not for the Azure auth types: see
/// [`credential_from`]).
pub fn builder_from(env: &Env) -> Result<CredentialBuilder> {
    let host = env.get("DATABRICKS_HOST").ok_or_else(|| {
        Error::config("DATABRICKS_HOST is not set (the workspace or account URL)")
    })?;
    let account_id = env.get("DATABRICKS_ACCOUNT_ID");
    let mut builder = if is_account_host(&host) {
        let account_id = account_id.ok_or_else(|| {
            Error::config(format!(
                "DATABRICKS_HOST {host} is an account host; set DATABRICKS_ACCOUNT_ID"
            ))
        })?;
        Credential::builder().account(host, account_id)
    } else {
        let builder = Credential::builder().workspace(host);
        match account_id {
            Some(account_id) => builder.account_id(account_id),
            None => builder,
        }
    };
    if let Some(client_id) = env.get("DATABRICKS_CLIENT_ID") {
        builder = builder.client_id(client_id);
    }
    if let Some(audience) = env.first(&["DATABRICKS_TOKEN_AUDIENCE", "TOKEN_AUDIENCE"]) {
        builder = builder.audience(audience);
    }
    if let Some(url) = env.get("DATABRICKS_DISCOVERY_URL") {
        builder = builder.discovery_url(url);
    }
    let detection = detect(env)?;
    tracing::debug!(auth_type = %detection.auth_type, reason = %detection.reason, "subject-token source from the environment");
    Ok(builder.shared_source(source_for(detection.auth_type, env)?))
}

/// Whether `host` is an account console host (`accounts.…`, `accounts-dod.…`).
fn is_account_host(host: &str) -> bool {
    let host = host.split("://").last().unwrap_or(host);
    host.starts_with("accounts.") || host.starts_with("accounts-dod.")
}

/// The source for `auth_type`, configured from `env`.
fn source_for(auth_type: AuthType, env: &Env) -> Result<Arc<dyn SubjectTokenSource>> {
    Ok(match auth_type {
        AuthType::GitHubOidc => Arc::new(source::GitHubActions::new()),
        AuthType::AzureDevOpsOidc => {
            let mut source = source::AzureDevOps::new();
            if let Some(id) = env.get("DBFED_AZURE_DEVOPS_SERVICE_CONNECTION_ID") {
                source = source.service_connection(id);
            }
            Arc::new(source)
        }
        AuthType::EnvOidc => Arc::new(source::EnvVar::new(env.oidc_token_variable())),
        AuthType::FileOidc => {
            let (_, path) = env
                .oidc_token_file()
                .ok_or_else(|| Error::config("file-oidc needs DATABRICKS_OIDC_TOKEN_FILEPATH"))?;
            Arc::new(source::File::new(path))
        }
        AuthType::GitLabOidc => Arc::new(source::CiToken::gitlab(env.oidc_token_variable())),
        AuthType::CircleCiOidc => Arc::new(source::CiToken::circleci()),
        AuthType::BitbucketOidc => Arc::new(source::CiToken::bitbucket()),
        AuthType::TerraformOidc => Arc::new(source::CiToken::terraform(
            env.get("DBFED_TFC_WORKLOAD_IDENTITY_TAG").as_deref(),
        )),
        AuthType::BuildkiteOidc => Arc::new(source::Command::buildkite()),
        AuthType::KubernetesOidc => Arc::new(source::File::kubernetes(
            env.oidc_token_file().map(|(_, path)| path),
        )),
        AuthType::GcpOidc => Arc::new(source::GcpMetadata::new()),
        AuthType::OidcClientCredentials => {
            let need = |name: &str| {
                env.get(name)
                    .ok_or_else(|| Error::config(format!("oidc-client-credentials needs {name}")))
            };
            let client = OidcClient {
                issuer: need("DBFED_OIDC_ISSUER")?,
                client_id: need("DBFED_OIDC_CLIENT_ID")?,
                client_secret: Some(Secret::new(need("DBFED_OIDC_CLIENT_SECRET")?)),
                scope: env.get("DBFED_OIDC_SCOPE"),
                token_field: env.get("DBFED_OIDC_TOKEN_FIELD"),
                ..OidcClient::default()
            };
            Arc::new(client.build()?)
        }
        AuthType::GitHubOidcAzure | AuthType::AzureClientSecret | AuthType::AzureMsi => {
            return Err(Error::config(format!(
                "{auth_type} gets Entra tokens without an exchange: build it with credential_from"
            )));
        }
        AuthType::CommandOidc => {
            if env.get("DBFED_ALLOW_COMMAND").as_deref() != Some("1") {
                return Err(Error::config(
                    "command-oidc runs a program: set DBFED_ALLOW_COMMAND=1 to allow it",
                ));
            }
            let command = env
                .get("DBFED_OIDC_COMMAND")
                .ok_or_else(|| Error::config("command-oidc needs DBFED_OIDC_COMMAND"))?;
            let mut words = command.split_whitespace();
            let program = words.next().unwrap_or_default().to_owned();
            Arc::new(source::Command::new(program).args(words))
        }
    })
}

impl Credential {
    /// A credential configured from the Databricks environment variables (`DATABRICKS_HOST`,
    /// `DATABRICKS_ACCOUNT_ID`, `DATABRICKS_CLIENT_ID`, `DATABRICKS_AUTH_TYPE`,
    /// `DATABRICKS_TOKEN_AUDIENCE`, `DATABRICKS_DISCOVERY_URL`, `DATABRICKS_OIDC_TOKEN[_ENV]`,
    /// `DATABRICKS_OIDC_TOKEN_FILEPATH`, …); see the README for the detection order.
    pub fn from_env() -> Result<Credential> {
        credential_from(&Env::process())
    }
}
