//! Sources that fetch their JWT (GitHub Actions, Azure DevOps, GCP metadata, OIDC client
//! credentials, commands), and those a CI system sets once per job, each against the testkit's
//! look-alike: success, the typical failure, and one JWT fetch + one exchange for 1,000 calls.

use std::time::Duration;

use dbfed::source::{self, ClientAuth, KeyAlgorithm, TokenField};
use dbfed::{Credential, Error, Secret};
use dbfed_testkit::{
    AZURE_DEVOPS_ACCESS_TOKEN, AZURE_DEVOPS_AUDIENCE, Alg, Fault, GITHUB_REQUEST_TOKEN,
    MintRequest, OidcClient, Testkit,
};

use crate::common::*;

fn credential(
    kit: &Testkit,
    client_id: &str,
    source: impl dbfed::SubjectTokenSource,
) -> Credential {
    Credential::builder()
        .workspace(kit.url())
        .client_id(client_id)
        .audience(AUDIENCE)
        .source(source)
        .retry_policy(fast_retries())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_actions_one_jwt_and_one_exchange_for_a_thousand_calls() {
    let _lock = ENV_LOCK.lock().await;
    let kit = testkit();
    let request_url = format!("{}/ci/github/token?api-version=2.0", kit.url());
    let _env = EnvVars::set(&[
        ("ACTIONS_ID_TOKEN_REQUEST_URL", Some(&request_url)),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", Some(GITHUB_REQUEST_TOKEN)),
    ]);
    let credential = credential(&kit, CLIENT_ID, source::GitHubActions::new());

    many_tokens(&credential, 1000).await;

    let counters = kit.counters();
    assert_eq!(
        (counters.ci_token_requests, counters.exchanges),
        (1, 1),
        "{counters:?}"
    );
    let token = credential.token().await.unwrap();
    assert_eq!(
        call_me(&kit, &token).await.1["userName"],
        format!("sp:{CLIENT_ID}")
    );
}

#[tokio::test]
async fn github_actions_failures_say_what_is_missing_or_refused() {
    let _lock = ENV_LOCK.lock().await;
    let kit = testkit();
    let _env = EnvVars::set(&[
        ("ACTIONS_ID_TOKEN_REQUEST_URL", None),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", None),
    ]);
    let err = credential(&kit, CLIENT_ID, source::GitHubActions::new())
        .token()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Source { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("ACTIONS_ID_TOKEN_REQUEST_URL is not set"),
        "{err}"
    );
    assert!(err.to_string().contains("id-token: write"), "{err}");

    let request_url = format!("{}/ci/github/token?api-version=2.0", kit.url());
    let _env = EnvVars::set(&[
        ("ACTIONS_ID_TOKEN_REQUEST_URL", Some(&request_url)),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", Some("wrong")),
    ]);
    let err = credential(&kit, CLIENT_ID, source::GitHubActions::new())
        .token()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("HTTP 401"), "{err}");
    assert_eq!(kit.counters().exchanges, 0, "nothing was exchanged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn azure_devops_service_connection_and_pipeline_tokens() {
    let _lock = ENV_LOCK.lock().await;
    let kit = testkit();
    add_sp_policy(
        &kit,
        "sp-ado-connection",
        "sc://acme/pipelines/conn-42",
        AZURE_DEVOPS_AUDIENCE,
    );
    add_sp_policy(
        &kit,
        "sp-ado-pipeline",
        "p://acme/proj-7/pipeline",
        AZURE_DEVOPS_AUDIENCE,
    );
    let oidc_request_uri = format!("{}/ci/azure-devops/oidc", kit.url());
    let collection = format!("{}/ci/azure-devops/", kit.url());
    let _env = EnvVars::set(&[
        ("SYSTEM_ACCESSTOKEN", Some(AZURE_DEVOPS_ACCESS_TOKEN)),
        ("SYSTEM_OIDCREQUESTURI", Some(&oidc_request_uri)),
        ("SYSTEM_TEAMFOUNDATIONCOLLECTIONURI", Some(&collection)),
        ("SYSTEM_TEAMPROJECTID", Some("proj-7")),
        ("SYSTEM_HOSTTYPE", Some("build")),
        ("SYSTEM_PLANID", Some("plan-1")),
        ("SYSTEM_JOBID", Some("job-1")),
        ("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", None),
    ]);

    let connection = credential(
        &kit,
        "sp-ado-connection",
        source::AzureDevOps::new().service_connection("conn-42"),
    );
    many_tokens(&connection, 1000).await;
    assert_eq!(
        (kit.counters().ci_token_requests, kit.counters().exchanges),
        (1, 1)
    );

    let pipeline = credential(&kit, "sp-ado-pipeline", source::AzureDevOps::new());
    let token = pipeline.token().await.unwrap();
    assert_eq!(
        call_me(&kit, &token).await.1["userName"],
        "sp:sp-ado-pipeline"
    );

    let _env = EnvVars::set(&[("SYSTEM_ACCESSTOKEN", None)]);
    let err = credential(&kit, "sp-ado-pipeline", source::AzureDevOps::new())
        .token()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("SYSTEM_ACCESSTOKEN is not set"),
        "{err}"
    );
    assert!(
        err.to_string().contains("System.AccessToken"),
        "the hint says how to map it: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gcp_metadata_identity_token_is_cached_and_refusals_are_explained() {
    let kit = testkit();
    let host = kit.url().trim_start_matches("http://").to_owned();
    let gcp = credential(
        &kit,
        CLIENT_ID,
        source::GcpMetadata::new().host(host.clone()),
    );

    many_tokens(&gcp, 1000).await;

    assert_eq!(
        (kit.counters().ci_token_requests, kit.counters().exchanges),
        (1, 1)
    );

    kit.inject(Fault {
        path: "/computeMetadata/".into(),
        status: Some(403),
        body: Some("Your service account is not allowed to mint identity tokens".into()),
        content_type: Some("text/plain".into()),
        ..Default::default()
    });
    let err = credential(&kit, CLIENT_ID, source::GcpMetadata::new().host(host))
        .token()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Source { .. }), "{err:?}");
    assert!(
        err.to_string().contains("HTTP 403") && err.to_string().contains("not allowed"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oidc_client_credentials_with_each_client_authentication() {
    let kit = testkit();
    kit.add_oidc_client(OidcClient {
        client_id: "svc-etl".into(),
        client_secret: Some("s3cret/with+chars".into()),
    });
    add_sp_policy(&kit, "sp-okta", "svc-etl", AUDIENCE);
    let secret = || Secret::new("s3cret/with+chars");
    let sources = [
        ClientAuth::SecretBasic(secret()),
        ClientAuth::SecretPost(secret()),
        ClientAuth::PrivateKeyJwt {
            key_pem: Secret::new(kit.signing_key_pem(Alg::Rs256)),
            algorithm: KeyAlgorithm::Rs256,
            key_id: None,
        },
        ClientAuth::PrivateKeyJwt {
            key_pem: Secret::new(kit.signing_key_pem(Alg::Es256)),
            algorithm: KeyAlgorithm::Es256,
            key_id: None,
        },
    ];
    for (index, auth) in sources.into_iter().enumerate() {
        let field = if index % 2 == 0 {
            TokenField::AccessToken
        } else {
            TokenField::IdToken
        };
        let source = source::OidcClientCredentials::new(kit.issuer(), "svc-etl", auth)
            .audience_parameter("audience")
            .token_field(field);
        let token = credential(&kit, "sp-okta", source).token().await.unwrap();
        assert_eq!(call_me(&kit, &token).await.0, 200, "client auth #{index}");
    }

    let cached = credential(
        &kit,
        "sp-okta",
        source::OidcClientCredentials::new(
            kit.issuer(),
            "svc-etl",
            ClientAuth::SecretPost(secret()),
        )
        .audience_parameter("audience"),
    );
    kit.reset();
    kit.add_oidc_client(OidcClient {
        client_id: "svc-etl".into(),
        client_secret: Some("s3cret/with+chars".into()),
    });
    add_sp_policy(&kit, "sp-okta", "svc-etl", AUDIENCE);
    many_tokens(&cached, 1000).await;
    assert_eq!(
        (kit.counters().ci_token_requests, kit.counters().exchanges),
        (1, 1)
    );

    let wrong = source::OidcClientCredentials::new(
        kit.issuer(),
        "svc-etl",
        ClientAuth::SecretBasic(Secret::new("nope")),
    );
    let err = credential(&kit, "sp-okta", wrong)
        .token()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("invalid_client"), "{err}");
    assert!(
        !err.to_string().contains("nope"),
        "the secret is not shown: {err}"
    );
}

#[tokio::test]
async fn ci_env_tokens_are_read_and_an_expired_one_says_it_cannot_be_renewed() {
    let kit = testkit();
    let var = "DBFED_TEST_GITLAB_ID_TOKEN";
    // SAFETY: a variable name only this test uses.
    unsafe { std::env::set_var(var, sp_jwt(&kit)) };
    credential(&kit, CLIENT_ID, source::CiToken::gitlab(var))
        .token()
        .await
        .unwrap();

    let expired = kit.mint(MintRequest {
        sub: SUBJECT.into(),
        aud: vec![AUDIENCE.into()],
        expired: true,
        ..MintRequest::default()
    });
    unsafe { std::env::set_var(var, &expired) };
    let err = credential(&kit, CLIENT_ID, source::CiToken::gitlab(var))
        .token()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Source { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("expired") && text.contains("cannot be renewed"),
        "{text}"
    );
    assert!(text.contains(var), "{text}");
    unsafe { std::env::remove_var(var) };

    let _lock = ENV_LOCK.lock().await;
    let _env = EnvVars::set(&[
        ("CIRCLE_OIDC_TOKEN_V2", None),
        ("CIRCLE_OIDC_TOKEN", Some(&sp_jwt(&kit))),
        ("BITBUCKET_STEP_OIDC_TOKEN", None),
    ]);
    credential(&kit, CLIENT_ID, source::CiToken::circleci())
        .token()
        .await
        .unwrap();
    let err = credential(&kit, CLIENT_ID, source::CiToken::bitbucket())
        .token()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("BITBUCKET_STEP_OIDC_TOKEN"),
        "{err}"
    );
}

#[tokio::test]
async fn kubernetes_token_files_follow_the_azure_and_aws_conventions() {
    let _lock = ENV_LOCK.lock().await;
    let kit = testkit();
    let path = std::env::temp_dir().join(format!("dbfed-k8s-token-{}", std::process::id()));
    std::fs::write(&path, sp_jwt(&kit)).unwrap();
    let path_text = path.display().to_string();
    let _env = EnvVars::set(&[
        ("AZURE_FEDERATED_TOKEN_FILE", Some(&path_text)),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", None),
    ]);

    credential(&kit, CLIENT_ID, source::File::azure_federated_token())
        .token()
        .await
        .unwrap();
    credential(
        &kit,
        CLIENT_ID,
        source::File::kubernetes(Some(path.clone())),
    )
    .token()
    .await
    .unwrap();
    let err = credential(&kit, CLIENT_ID, source::File::aws_web_identity_token())
        .token()
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("AWS_WEB_IDENTITY_TOKEN_FILE is not set"),
        "{err}"
    );
    std::fs::remove_file(path).unwrap();
}

/// Writes an executable script and returns its path.
fn script(name: &str, body: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("dbfed-command-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_runs_once_for_a_thousand_calls_and_its_failures_show_stderr() {
    let kit = testkit();
    let jwt_file = std::env::temp_dir().join(format!("dbfed-command-jwt-{}", std::process::id()));
    std::fs::write(&jwt_file, sp_jwt(&kit)).unwrap();
    let runs = std::env::temp_dir().join(format!("dbfed-command-runs-{}", std::process::id()));
    let _ = std::fs::remove_file(&runs);
    let json = script(
        "json-token",
        &format!(
            r#"echo "$1" >> {runs}
echo "diagnostics on stderr" >&2
printf '{{"version": 1, "success": true, "id_token": "%s"}}' "$(cat {jwt})""#,
            runs = runs.display(),
            jwt = jwt_file.display()
        ),
    );
    let command = source::Command::new(&json).args(["{audience}"]);
    let credential = credential(&kit, CLIENT_ID, command);

    many_tokens(&credential, 1000).await;

    let recorded = std::fs::read_to_string(&runs).unwrap();
    assert_eq!(
        recorded,
        format!("{AUDIENCE}\n"),
        "one run, with the audience substituted"
    );
    assert_eq!(kit.counters().exchanges, 1);

    let bare = script("bare-token", &format!("cat {}", jwt_file.display()));
    credential_for(&kit, source::Command::new(bare))
        .token()
        .await
        .unwrap();

    let failing = script("failing", "echo 'vault sealed' >&2; exit 3");
    let err = credential_for(&kit, source::Command::new(failing))
        .token()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("vault sealed") && err.to_string().contains("3"),
        "{err}"
    );

    let reported = script(
        "reported",
        r#"echo '{"version":1,"success":false,"code":"401","message":"not logged in"}'"#,
    );
    let err = credential_for(&kit, source::Command::new(reported))
        .token()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not logged in"), "{err}");

    let slow = script("slow", "sleep 5");
    let err = credential_for(
        &kit,
        source::Command::new(slow).timeout(Duration::from_millis(200)),
    )
    .token()
    .await
    .unwrap_err();
    assert!(err.to_string().contains("did not finish"), "{err}");

    let err = credential_for(&kit, source::Command::new("/nonexistent/dbfed-helper"))
        .token()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cannot run"), "{err}");
    std::fs::remove_file(jwt_file).unwrap();
}

fn credential_for(kit: &Testkit, source: impl dbfed::SubjectTokenSource) -> Credential {
    credential(kit, CLIENT_ID, source)
}

#[tokio::test]
async fn buildkite_runs_buildkite_agent_with_the_audience() {
    let _lock = ENV_LOCK.lock().await;
    let kit = testkit();
    let jwt_file = std::env::temp_dir().join(format!("dbfed-buildkite-jwt-{}", std::process::id()));
    std::fs::write(&jwt_file, sp_jwt(&kit)).unwrap();
    let agent = script(
        "buildkite-agent",
        &format!(
            r#"[ "$1 $2 $3 $4" = "oidc request-token --audience {AUDIENCE}" ] || {{ echo "unexpected: $*" >&2; exit 2; }}
cat {}"#,
            jwt_file.display()
        ),
    );
    let path = format!(
        "{}:{}",
        agent.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let _env = EnvVars::set(&[("PATH", Some(&path))]);

    credential_for(&kit, source::Command::buildkite())
        .token()
        .await
        .unwrap();
    std::fs::remove_file(jwt_file).unwrap();
}

#[tokio::test]
async fn a_chain_takes_the_first_source_that_works_and_lists_every_failure() {
    let kit = testkit();
    let chain = source::Chain::new()
        .with(source::EnvVar::new("DBFED_TEST_CHAIN_UNSET"))
        .with(source::File::new("/nonexistent/dbfed-token"))
        .with(source::Fixed::new(sp_jwt(&kit)));
    credential_for(&kit, chain).token().await.unwrap();

    let failing = source::Chain::new()
        .with(source::EnvVar::new("DBFED_TEST_CHAIN_UNSET"))
        .with(source::File::new("/nonexistent/dbfed-token"));
    let err = credential_for(&kit, failing).token().await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("DBFED_TEST_CHAIN_UNSET") && text.contains("/nonexistent/dbfed-token"),
        "{text}"
    );
}

#[tokio::test]
async fn terraform_reads_the_tagged_workload_identity_token() {
    let kit = testkit();
    let variable = "TFC_WORKLOAD_IDENTITY_TOKEN_DBFED_TEST";
    // SAFETY: a variable name only this test uses.
    unsafe { std::env::set_var(variable, sp_jwt(&kit)) };
    let tagged = source::CiToken::terraform(Some("DBFED_TEST"));
    assert_eq!(tagged.variables(), [variable]);
    credential_for(&kit, tagged).token().await.unwrap();
    unsafe { std::env::remove_var(variable) };

    let err = credential_for(&kit, source::CiToken::terraform(Some("DBFED_TEST")))
        .token()
        .await
        .unwrap_err();
    assert!(err.to_string().contains(variable), "{err}");
}

#[tokio::test]
async fn buildkite_without_the_agent_says_it_cannot_run_it() {
    let _lock = ENV_LOCK.lock().await;
    let kit = testkit();
    let _env = EnvVars::set(&[("PATH", Some("/nonexistent"))]);
    let err = credential_for(&kit, source::Command::buildkite())
        .token()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("cannot run `buildkite-agent`"),
        "{err}"
    );
}

#[test]
fn a_private_key_that_is_no_key_fails_when_the_credential_is_built() {
    for algorithm in [KeyAlgorithm::Rs256, KeyAlgorithm::Es256] {
        let source = source::OidcClientCredentials::new(
            "https://idp.example.com",
            "svc",
            ClientAuth::PrivateKeyJwt {
                key_pem: Secret::new("not a key"),
                algorithm,
                key_id: None,
            },
        );
        let err = Credential::builder()
            .workspace("https://dbc.example.com")
            .source(source)
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err:?}");
        assert!(err.to_string().contains("PEM"), "{err}");
        assert!(!err.to_string().contains("not a key"), "{err}");
    }
    let bad_issuer = source::OidcClientCredentials::new(
        "http://idp.example.com",
        "svc",
        ClientAuth::SecretPost(Secret::new("s")),
    );
    let err = Credential::builder()
        .workspace("https://dbc.example.com")
        .source(source::Chain::new().with(bad_issuer))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("https"), "{err}");
}
