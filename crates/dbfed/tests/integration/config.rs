//! `from_env`: auth types by name, detection from the environment, and the nothing-found report.

use std::collections::HashMap;

use dbfed::config::{AuthType, Env, builder_from, credential_from, detect};
use dbfed::{Credential, Error};
use dbfed_testkit::{APP_SERVICE_IDENTITY_HEADER, EntraApp, ManagedIdentity};

use crate::common::*;

fn env(vars: &[(&str, &str)]) -> Env {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    Env::from_lookup(move |name| map.get(name).cloned())
}

/// The source `from_env` builds for `vars` (plus a host).
fn source_for(vars: &[(&str, &str)]) -> String {
    let mut all = vec![("DATABRICKS_HOST", "https://dbc-1.cloud.databricks.com")];
    all.extend_from_slice(vars);
    let credential = builder_from(&env(&all)).unwrap().build().unwrap();
    credential.source_name().unwrap().to_owned()
}

#[test]
fn each_auth_type_picks_its_source() {
    let cases = [
        ("github-oidc", "github-actions"),
        ("azure-devops-oidc", "azure-devops"),
        ("env-oidc", "env"),
        ("gitlab-oidc", "gitlab"),
        ("circleci-oidc", "circleci"),
        ("bitbucket-oidc", "bitbucket"),
        ("terraform-oidc", "terraform"),
        ("buildkite-oidc", "buildkite"),
        ("kubernetes-oidc", "kubernetes"),
        ("gcp-oidc", "gcp-metadata"),
    ];
    for (auth_type, source) in cases {
        assert_eq!(
            source_for(&[("DATABRICKS_AUTH_TYPE", auth_type)]),
            source,
            "{auth_type}"
        );
    }
    assert_eq!(
        source_for(&[
            ("DATABRICKS_AUTH_TYPE", "file-oidc"),
            ("DATABRICKS_OIDC_TOKEN_FILE", "/t")
        ]),
        "file"
    );
    let oidc = [
        ("DATABRICKS_AUTH_TYPE", "oidc-client-credentials"),
        ("DBFED_OIDC_ISSUER", "https://idp.example.com"),
        ("DBFED_OIDC_CLIENT_ID", "svc"),
        ("DBFED_OIDC_CLIENT_SECRET", "s"),
    ];
    assert_eq!(source_for(&oidc), "oidc-client-credentials");
    let command = [
        ("DATABRICKS_AUTH_TYPE", "command-oidc"),
        ("DBFED_OIDC_COMMAND", "/usr/bin/get-token --json"),
        ("DBFED_ALLOW_COMMAND", "1"),
    ];
    assert_eq!(source_for(&command), "command");
}

#[test]
fn each_environment_is_detected() {
    let azure_app = [("ARM_TENANT_ID", "t"), ("ARM_CLIENT_ID", "c")];
    let github = [
        ("ACTIONS_ID_TOKEN_REQUEST_URL", "https://x"),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "t"),
    ];
    let github_azure: Vec<_> = github.iter().chain(azure_app.iter()).copied().collect();
    let secret: Vec<_> = azure_app
        .iter()
        .copied()
        .chain([("ARM_CLIENT_SECRET", "s")])
        .collect();
    let app_service = [
        ("IDENTITY_ENDPOINT", "http://127.0.0.1:41741/msi/token"),
        ("IDENTITY_HEADER", "h"),
    ];
    let azure_cases: [(&[(&str, &str)], AuthType); 4] = [
        (&github_azure, AuthType::GitHubOidcAzure),
        (&secret, AuthType::AzureClientSecret),
        (&[("ARM_USE_MSI", "true")], AuthType::AzureMsi),
        (&app_service, AuthType::AzureMsi),
    ];
    for (vars, expected) in azure_cases {
        assert_eq!(detect(&env(vars)).unwrap().auth_type, expected, "{vars:?}");
    }
    let cases: [(&[(&str, &str)], AuthType); 12] = [
        (
            &[
                ("ACTIONS_ID_TOKEN_REQUEST_URL", "https://x"),
                ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "t"),
            ],
            AuthType::GitHubOidc,
        ),
        (
            &[
                ("SYSTEM_ACCESSTOKEN", "t"),
                (
                    "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI",
                    "https://dev.azure.com/acme/",
                ),
            ],
            AuthType::AzureDevOpsOidc,
        ),
        (
            &[
                ("SYSTEM_ACCESSTOKEN", "t"),
                ("SYSTEM_OIDCREQUESTURI", "https://dev.azure.com/acme/x"),
            ],
            AuthType::AzureDevOpsOidc,
        ),
        (
            &[("GITLAB_CI", "true"), ("DATABRICKS_OIDC_TOKEN", "jwt")],
            AuthType::GitLabOidc,
        ),
        (&[("DATABRICKS_OIDC_TOKEN", "jwt")], AuthType::EnvOidc),
        (
            &[("DATABRICKS_OIDC_TOKEN_ENV", "MY_JWT"), ("MY_JWT", "jwt")],
            AuthType::EnvOidc,
        ),
        (
            &[("DATABRICKS_OIDC_TOKEN_FILEPATH", "/var/run/token")],
            AuthType::FileOidc,
        ),
        (&[("CIRCLE_OIDC_TOKEN_V2", "jwt")], AuthType::CircleCiOidc),
        (
            &[("BITBUCKET_STEP_OIDC_TOKEN", "jwt")],
            AuthType::BitbucketOidc,
        ),
        (
            &[("TFC_WORKLOAD_IDENTITY_TOKEN", "jwt")],
            AuthType::TerraformOidc,
        ),
        (&[("BUILDKITE", "true")], AuthType::BuildkiteOidc),
        (
            &[("GCE_METADATA_HOST", "169.254.169.254")],
            AuthType::GcpOidc,
        ),
    ];
    for (vars, expected) in cases {
        let detection = detect(&env(vars)).unwrap();
        assert_eq!(detection.auth_type, expected, "{vars:?}");
    }
    // GitHub wins over an env token, as in the Go SDK's order; skipped ones say why.
    let both = detect(&env(&[
        ("DATABRICKS_OIDC_TOKEN", "jwt"),
        ("ACTIONS_ID_TOKEN_REQUEST_URL", "https://x"),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "t"),
    ]))
    .unwrap();
    assert_eq!(both.auth_type, AuthType::GitHubOidc);
    let env_only = detect(&env(&[("DATABRICKS_OIDC_TOKEN", "jwt")])).unwrap();
    assert!(
        env_only
            .skipped
            .iter()
            .any(|(auth_type, why)| *auth_type == AuthType::GitHubOidc
                && why.contains("ACTIONS_ID_TOKEN_REQUEST_URL"))
    );
    // A command is never run unless allowed.
    let not_allowed = detect(&env(&[("DBFED_OIDC_COMMAND", "/bin/get-token")]));
    assert!(not_allowed.is_err());
}

#[test]
fn nothing_found_names_every_source_tried() {
    let err = detect(&env(&[])).unwrap_err();
    assert!(matches!(err, Error::Config { .. }));
    let text = err.to_string();
    for auth_type in AuthType::DETECTION_ORDER {
        assert!(
            text.contains(auth_type.name()),
            "{auth_type} missing from: {text}"
        );
    }
    assert!(text.contains("DATABRICKS_AUTH_TYPE"), "{text}");
}

#[test]
fn host_account_and_bad_names_are_checked() {
    let err = builder_from(&env(&[("DATABRICKS_OIDC_TOKEN", "jwt")])).unwrap_err();
    assert!(err.to_string().contains("DATABRICKS_HOST"), "{err}");

    let err = builder_from(&env(&[
        ("DATABRICKS_HOST", "https://accounts.cloud.databricks.com"),
        ("DATABRICKS_OIDC_TOKEN", "jwt"),
    ]))
    .unwrap_err();
    assert!(err.to_string().contains("DATABRICKS_ACCOUNT_ID"), "{err}");

    let err = detect(&env(&[("DATABRICKS_AUTH_TYPE", "pat")])).unwrap_err();
    assert!(
        err.to_string().contains("pat") && err.to_string().contains("github-oidc"),
        "{err}"
    );
}

#[tokio::test]
async fn from_env_reads_the_process_environment_end_to_end() {
    let _lock = ENV_LOCK.lock().await;
    let kit = testkit();
    let jwt = sp_jwt(&kit);
    let url = kit.url();
    let _env = EnvVars::set(&[
        ("DATABRICKS_HOST", Some(&url)),
        ("DATABRICKS_CLIENT_ID", Some(CLIENT_ID)),
        ("DATABRICKS_AUTH_TYPE", None),
        ("DATABRICKS_OIDC_TOKEN_ENV", Some("DBFED_TEST_FROM_ENV_JWT")),
        ("DBFED_TEST_FROM_ENV_JWT", Some(&jwt)),
        ("TOKEN_AUDIENCE", Some(AUDIENCE)),
        ("ACTIONS_ID_TOKEN_REQUEST_URL", None),
        ("SYSTEM_ACCESSTOKEN", None),
        ("GITLAB_CI", None),
    ]);

    let credential = Credential::from_env().unwrap();

    assert_eq!(credential.source_name(), Some("env"));
    assert_eq!(
        credential.endpoints().await.unwrap().audience,
        AUDIENCE,
        "TOKEN_AUDIENCE is honoured"
    );
    let token = credential.token().await.unwrap();
    assert_eq!(call_me(&kit, &token).await.0, 200);
}

#[tokio::test]
async fn azure_auth_types_get_entra_tokens_the_api_accepts() {
    let kit = testkit();
    kit.add_entra_app(EntraApp {
        tenant: "tenant-1".into(),
        client_id: "app-1".into(),
        secret: Some("entra-secret".into()),
        federated_credentials: vec![],
    });
    kit.add_managed_identity(ManagedIdentity {
        tenant: "tenant-1".into(),
        client_id: "mi-1".into(),
        system_assigned: true,
    });
    let authority = kit.entra_authority();
    let url = kit.url();
    let client_secret = [
        ("DATABRICKS_HOST", url.as_str()),
        ("AZURE_AUTHORITY_HOST", authority.as_str()),
        ("ARM_TENANT_ID", "tenant-1"),
        ("ARM_CLIENT_ID", "app-1"),
        ("ARM_CLIENT_SECRET", "entra-secret"),
    ];
    let managed = [
        ("DATABRICKS_HOST", url.as_str()),
        ("ARM_USE_MSI", "true"),
        ("AZURE_POD_IDENTITY_AUTHORITY_HOST", url.as_str()),
    ];
    let identity_endpoint = kit.app_service_identity_endpoint();
    let app_service = [
        ("DATABRICKS_HOST", url.as_str()),
        ("IDENTITY_ENDPOINT", identity_endpoint.as_str()),
        ("IDENTITY_HEADER", APP_SERVICE_IDENTITY_HEADER),
    ];
    for (vars, who) in [
        (&client_secret[..], "sp:app-1"),
        (&managed[..], "sp:mi-1"),
        (&app_service[..], "sp:mi-1"),
    ] {
        let credential = credential_from(&env(vars)).unwrap();
        let token = credential.token().await.unwrap();
        let (status, me) = call_me(&kit, &token).await;
        assert_eq!(
            (status, me["userName"].as_str()),
            (200, Some(who)),
            "{vars:?}: {me}"
        );
    }
    assert_eq!(
        kit.counters().exchanges,
        0,
        "Entra tokens are used directly"
    );

    let wrong = [
        ("ARM_CLIENT_SECRET", "nope"),
        ("DATABRICKS_AUTH_TYPE", "azure-client-secret"),
    ];
    let vars: Vec<_> = client_secret.iter().copied().chain(wrong).collect();
    let err = credential_from(&env(&vars))
        .unwrap()
        .token()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Rejected(_)), "{err:?}");
    assert!(!err.to_string().contains("entra-secret") && !err.to_string().contains("nope"));
}
