//! Which environment variables hold the JWT or secret an auth type reads, so that a program
//! that runs others with dbfed's tokens (`dbfed exec`) need not hand them on.

use crate::error::Result;

use super::{AuthType, Env, detect};

/// The variables holding the JWT or secret that the auth type `env` selects reads for
/// Databricks auth (such as `DATABRICKS_OIDC_TOKEN`, `ACTIONS_ID_TOKEN_REQUEST_TOKEN` or
/// `ARM_CLIENT_SECRET`), set or not; paths, URLs and ids are not secrets and are not listed.
pub fn secret_env_vars(env: &Env) -> Result<Vec<String>> {
    let names: Vec<String> = match detect(env)?.auth_type {
        AuthType::GitHubOidc | AuthType::GitHubOidcAzure => {
            vec!["ACTIONS_ID_TOKEN_REQUEST_TOKEN".into()]
        }
        AuthType::AzureDevOpsOidc => vec!["SYSTEM_ACCESSTOKEN".into()],
        AuthType::EnvOidc | AuthType::GitLabOidc => vec![env.oidc_token_variable()],
        AuthType::CircleCiOidc => vec!["CIRCLE_OIDC_TOKEN_V2".into(), "CIRCLE_OIDC_TOKEN".into()],
        AuthType::BitbucketOidc => vec!["BITBUCKET_STEP_OIDC_TOKEN".into()],
        AuthType::TerraformOidc => vec![env.terraform_token_variable()],
        AuthType::OidcClientCredentials => vec!["DBFED_OIDC_CLIENT_SECRET".into()],
        AuthType::AzureClientSecret => {
            vec!["ARM_CLIENT_SECRET".into(), "AZURE_CLIENT_SECRET".into()]
        }
        AuthType::AzureMsi => vec!["IDENTITY_HEADER".into()],
        // A file, a metadata server or a program: no secret in a variable.
        AuthType::FileOidc
        | AuthType::KubernetesOidc
        | AuthType::GcpOidc
        | AuthType::BuildkiteOidc
        | AuthType::CommandOidc => Vec::new(),
    };
    Ok(names)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> Env {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        Env::from_lookup(move |name| vars.get(name).cloned())
    }

    #[test]
    fn the_variable_env_oidc_reads_is_listed_whatever_its_name() {
        let listed = secret_env_vars(&env(&[("DATABRICKS_OIDC_TOKEN", "j")])).unwrap();
        assert_eq!(listed, ["DATABRICKS_OIDC_TOKEN"]);
        let named = env(&[("DATABRICKS_OIDC_TOKEN_ENV", "MY_JWT"), ("MY_JWT", "j")]);
        assert_eq!(secret_env_vars(&named).unwrap(), ["MY_JWT"]);
    }

    #[test]
    fn only_what_the_chosen_auth_type_reads_is_listed() {
        let github = env(&[
            ("ACTIONS_ID_TOKEN_REQUEST_URL", "https://gh"),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "t"),
            ("ARM_CLIENT_SECRET", "s"),
        ]);
        assert_eq!(
            secret_env_vars(&github).unwrap(),
            ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]
        );
        let azure = env(&[
            ("DATABRICKS_AUTH_TYPE", "azure-client-secret"),
            ("DATABRICKS_OIDC_TOKEN", "j"),
        ]);
        assert_eq!(
            secret_env_vars(&azure).unwrap(),
            ["ARM_CLIENT_SECRET", "AZURE_CLIENT_SECRET"]
        );
        assert!(secret_env_vars(&env(&[])).is_err(), "nothing to detect");
    }
}
