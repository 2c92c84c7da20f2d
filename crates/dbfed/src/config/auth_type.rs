//! The auth types dbfed understands, by their Databricks (and dbfed) names, and how the
//! environment picks one when `DATABRICKS_AUTH_TYPE` is unset.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

use super::Env;

/// Where the subject JWT comes from, named as in `DATABRICKS_AUTH_TYPE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthType {
    /// `github-oidc`: GitHub Actions' ID token.
    GitHubOidc,
    /// `azure-devops-oidc`: Azure DevOps' ID token (service connection or pipeline).
    AzureDevOpsOidc,
    /// `env-oidc`: a JWT in an environment variable.
    EnvOidc,
    /// `file-oidc`: a JWT in a file.
    FileOidc,
    /// `gitlab-oidc` (dbfed): a GitLab `id_tokens` variable.
    GitLabOidc,
    /// `circleci-oidc` (dbfed): `CIRCLE_OIDC_TOKEN_V2` / `CIRCLE_OIDC_TOKEN`.
    CircleCiOidc,
    /// `bitbucket-oidc` (dbfed): `BITBUCKET_STEP_OIDC_TOKEN`.
    BitbucketOidc,
    /// `terraform-oidc` (dbfed): `TFC_WORKLOAD_IDENTITY_TOKEN[_TAG]`.
    TerraformOidc,
    /// `buildkite-oidc` (dbfed): `buildkite-agent oidc request-token`.
    BuildkiteOidc,
    /// `kubernetes-oidc` (dbfed): a projected service account token file.
    KubernetesOidc,
    /// `gcp-oidc` (dbfed): the GCP metadata server's identity token.
    GcpOidc,
    /// `oidc-client-credentials` (dbfed): any OIDC IdP, client-credentials grant.
    OidcClientCredentials,
    /// `command-oidc` (dbfed): a program that prints a JWT (needs `DBFED_ALLOW_COMMAND=1`).
    CommandOidc,
    /// `github-oidc-azure`: a GitHub Actions JWT as the client assertion of an Entra app; the
    /// Entra token is used directly (Azure Databricks).
    GitHubOidcAzure,
    /// `azure-client-secret`: an Entra app's client secret; the Entra token is used directly.
    AzureClientSecret,
    /// `azure-msi`: an Azure managed identity through IMDS, or the identity endpoint of App
    /// Service, Functions or Container Apps; the Entra token is used directly.
    AzureMsi,
}

impl AuthType {
    /// Every auth type, in the order the environment is searched when none is named.
    pub const DETECTION_ORDER: [AuthType; 16] = [
        AuthType::GitHubOidcAzure,
        AuthType::GitHubOidc,
        AuthType::AzureDevOpsOidc,
        AuthType::GitLabOidc,
        AuthType::EnvOidc,
        AuthType::FileOidc,
        AuthType::CircleCiOidc,
        AuthType::BitbucketOidc,
        AuthType::TerraformOidc,
        AuthType::BuildkiteOidc,
        AuthType::GcpOidc,
        AuthType::OidcClientCredentials,
        AuthType::CommandOidc,
        AuthType::AzureClientSecret,
        AuthType::AzureMsi,
        AuthType::KubernetesOidc,
    ];

    /// The name used in `DATABRICKS_AUTH_TYPE`.
    pub fn name(self) -> &'static str {
        match self {
            AuthType::GitHubOidc => "github-oidc",
            AuthType::AzureDevOpsOidc => "azure-devops-oidc",
            AuthType::EnvOidc => "env-oidc",
            AuthType::FileOidc => "file-oidc",
            AuthType::GitLabOidc => "gitlab-oidc",
            AuthType::CircleCiOidc => "circleci-oidc",
            AuthType::BitbucketOidc => "bitbucket-oidc",
            AuthType::TerraformOidc => "terraform-oidc",
            AuthType::BuildkiteOidc => "buildkite-oidc",
            AuthType::KubernetesOidc => "kubernetes-oidc",
            AuthType::GcpOidc => "gcp-oidc",
            AuthType::OidcClientCredentials => "oidc-client-credentials",
            AuthType::CommandOidc => "command-oidc",
            AuthType::GitHubOidcAzure => "github-oidc-azure",
            AuthType::AzureClientSecret => "azure-client-secret",
            AuthType::AzureMsi => "azure-msi",
        }
    }

    /// Whether tokens come from Microsoft Entra directly, with no Databricks exchange.
    pub fn is_azure(self) -> bool {
        matches!(
            self,
            AuthType::GitHubOidcAzure | AuthType::AzureClientSecret | AuthType::AzureMsi
        )
    }

    /// Whether the environment shows this source is available: `Ok(why)` or `Err(why not)`.
    pub(crate) fn detect(self, env: &Env) -> Result<String, String> {
        let set = |name: &str| env.get(name).is_some();
        let present = |names: &[&str]| -> Result<String, String> {
            match names.iter().find(|name| !set(name)) {
                None => Ok(format!("{} set", names.join(" and "))),
                Some(missing) => Err(format!("{missing} is not set")),
            }
        };
        match self {
            AuthType::GitHubOidc => {
                present(&["ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"])
            }
            AuthType::AzureDevOpsOidc => {
                present(&["SYSTEM_ACCESSTOKEN"])?;
                if set("SYSTEM_OIDCREQUESTURI") || set("SYSTEM_TEAMFOUNDATIONCOLLECTIONURI") {
                    Ok("SYSTEM_ACCESSTOKEN and an Azure DevOps OIDC endpoint set".into())
                } else {
                    Err("neither SYSTEM_OIDCREQUESTURI nor SYSTEM_TEAMFOUNDATIONCOLLECTIONURI is set".into())
                }
            }
            AuthType::GitLabOidc => {
                present(&["GITLAB_CI"])?;
                let variable = env.oidc_token_variable();
                present(&[variable.as_str()]).map(|_| format!("GITLAB_CI and {variable} set"))
            }
            AuthType::EnvOidc => present(&[env.oidc_token_variable().as_str()]),
            AuthType::FileOidc => env
                .oidc_token_file()
                .map(|(variable, _)| format!("{variable} set"))
                .ok_or_else(|| "DATABRICKS_OIDC_TOKEN_FILEPATH is not set".to_owned()),
            AuthType::CircleCiOidc => {
                if set("CIRCLE_OIDC_TOKEN_V2") || set("CIRCLE_OIDC_TOKEN") {
                    Ok("a CircleCI OIDC token is set".into())
                } else {
                    Err("neither CIRCLE_OIDC_TOKEN_V2 nor CIRCLE_OIDC_TOKEN is set".into())
                }
            }
            AuthType::BitbucketOidc => present(&["BITBUCKET_STEP_OIDC_TOKEN"]),
            AuthType::TerraformOidc => {
                let variable = env.terraform_token_variable();
                present(&[variable.as_str()])
            }
            AuthType::BuildkiteOidc => {
                present(&["BUILDKITE"]).map(|_| "BUILDKITE set (uses buildkite-agent)".into())
            }
            AuthType::GcpOidc => {
                if set("GCE_METADATA_HOST") {
                    Ok("GCE_METADATA_HOST set".into())
                } else if env.on_google_cloud() {
                    Ok("running on Google Cloud (DMI product name)".into())
                } else {
                    Err("not on Google Cloud and GCE_METADATA_HOST is not set".into())
                }
            }
            AuthType::OidcClientCredentials => {
                present(&["DBFED_OIDC_ISSUER", "DBFED_OIDC_CLIENT_ID", "DBFED_OIDC_CLIENT_SECRET"])
            }
            AuthType::CommandOidc => {
                present(&["DBFED_OIDC_COMMAND"])?;
                if env.get("DBFED_ALLOW_COMMAND").as_deref() == Some("1") {
                    Ok("DBFED_OIDC_COMMAND set and DBFED_ALLOW_COMMAND=1".into())
                } else {
                    Err("DBFED_OIDC_COMMAND is set but DBFED_ALLOW_COMMAND is not 1".into())
                }
            }
            AuthType::KubernetesOidc => {
                Err("only when DATABRICKS_AUTH_TYPE=kubernetes-oidc (the default token's audience is the API server)".into())
            }
            AuthType::GitHubOidcAzure => {
                present(&["ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"])?;
                env.azure_app()
                    .map(|_| "GitHub Actions and an Azure tenant and client id set".to_owned())
            }
            AuthType::AzureClientSecret => {
                env.azure_app()?;
                env.first(&["ARM_CLIENT_SECRET", "AZURE_CLIENT_SECRET"])
                    .map(|_| "an Azure tenant, client id and client secret set".to_owned())
                    .ok_or_else(|| "neither ARM_CLIENT_SECRET nor AZURE_CLIENT_SECRET is set".to_owned())
            }
            AuthType::AzureMsi => match env.get("ARM_USE_MSI").as_deref() {
                Some("true" | "1") => Ok("ARM_USE_MSI set".into()),
                _ if env.app_service_identity().is_some() => Ok(
                    "IDENTITY_ENDPOINT and IDENTITY_HEADER set (App Service, Functions or Container Apps)".into(),
                ),
                _ => Err("neither ARM_USE_MSI=true nor IDENTITY_ENDPOINT and IDENTITY_HEADER are set".into()),
            },
        }
    }
}

impl fmt::Display for AuthType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for AuthType {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self, Error> {
        let name = name.trim();
        AuthType::DETECTION_ORDER
            .into_iter()
            .find(|auth_type| auth_type.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                let known: Vec<_> = AuthType::DETECTION_ORDER.iter().map(|t| t.name()).collect();
                Error::config(format!(
                    "DATABRICKS_AUTH_TYPE `{name}` is not a token-federation auth type dbfed knows ({})",
                    known.join(", ")
                ))
            })
    }
}
