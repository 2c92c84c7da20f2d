//! Azure Databricks with Entra tokens: client secret, federated client assertion (a fresh JWT
//! for every Entra request), managed identity through IMDS or the App Service identity
//! endpoint, and on-behalf-of for users.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime};

use dbfed::{
    AZURE_DATABRICKS_RESOURCE_ID, AzureCredentialBuilder, AzureOnBehalfOf, Credential, Error,
    FEDERATED_TOKEN_AUDIENCE, Rejection, source,
};
use dbfed_testkit::{
    APP_SERVICE_IDENTITY_HEADER, EntraApp, EntraUserToken, Fault, FederatedCredential,
    GITHUB_REQUEST_TOKEN, ManagedIdentity, MintRequest, Testkit,
};

use crate::common::*;

const TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
const APP: &str = "5e7b2a31-2222-4333-8444-6f6f6f6f6f6f";
const SECRET: &str = "entra-app-secret";
const FEDERATED_SUBJECT: &str = "repo:acme/api:environment:prod";

/// A testkit with an Entra app that has a secret and trusts the testkit IdP's JWTs for
/// [`FEDERATED_SUBJECT`].
fn entra_testkit() -> Testkit {
    let kit = Testkit::start();
    kit.add_entra_app(EntraApp {
        tenant: TENANT.into(),
        client_id: APP.into(),
        secret: Some(SECRET.into()),
        federated_credentials: vec![FederatedCredential {
            issuer: kit.issuer(),
            subject: FEDERATED_SUBJECT.into(),
            audience: None,
        }],
    });
    kit
}

fn azure(kit: &Testkit) -> AzureCredentialBuilder {
    Credential::azure()
        .authority_host(kit.entra_authority())
        .tenant_id(TENANT)
        .client_id(APP)
        .retry_policy(fast_retries())
}

fn sorted(form: &[(String, String)]) -> Vec<(String, String)> {
    let mut form = form.to_vec();
    form.sort();
    form
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

#[tokio::test]
async fn a_client_secret_gets_entra_tokens_that_azure_databricks_accepts() {
    let kit = entra_testkit();
    let credential = azure(&kit).client_secret(SECRET).build().unwrap();

    let token = credential.token().await.unwrap();
    let again = credential.token().await.unwrap();

    assert!(token.same_as(&again), "cached");
    let (status, me) = call_me(&kit, &token).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["userName"], format!("sp:{APP}"));
    let requests = kit.entra_requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, format!("/entra/{TENANT}/oauth2/token"));
    assert_eq!(
        sorted(&requests[0].form),
        sorted(&pairs(&[
            ("grant_type", "client_credentials"),
            ("client_id", APP),
            ("client_secret", SECRET),
            ("resource", AZURE_DATABRICKS_RESOURCE_ID),
        ]))
    );
    assert!(!format!("{credential:?}").contains(SECRET));
    assert!(matches!(
        credential.endpoints().await,
        Err(Error::Config { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_github_to_entra_path_fetches_a_fresh_github_jwt_for_every_entra_refresh() {
    let kit = Arc::new(entra_testkit());
    kit.update_settings(|settings| settings.token_lifetime = Duration::from_secs(2));
    let github_calls = Arc::new(AtomicU32::new(0));
    let github = source::Callback::new({
        let (kit, calls) = (kit.clone(), github_calls.clone());
        move |context| {
            calls.fetch_add(1, Ordering::SeqCst);
            assert_eq!(context.audience, FEDERATED_TOKEN_AUDIENCE);
            let jwt = kit.mint(MintRequest {
                sub: FEDERATED_SUBJECT.into(),
                aud: vec![context.audience],
                lifetime: Some(Duration::from_secs(2)),
                ..MintRequest::default()
            });
            async move { Ok::<_, Error>(jwt) }
        }
    });
    let credential = azure(&kit).client_assertion(github).build().unwrap();

    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until {
        let asked = SystemTime::now();
        let token = credential.token().await.unwrap();
        assert!(
            valid_when_asked(&token, asked),
            "a caller saw an expired token"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    let requests = kit.entra_requests();
    let assertions: Vec<&str> = requests
        .iter()
        .filter_map(|request| field(&request.form, "client_assertion"))
        .collect();
    assert!(
        assertions.len() >= 3,
        "Entra tokens living 2 s were refreshed over 5 s"
    );
    assert_eq!(assertions.len(), requests.len());
    assert_eq!(
        github_calls.load(Ordering::SeqCst) as usize,
        requests.len(),
        "one GitHub JWT per Entra request"
    );
    let distinct: HashSet<&str> = assertions.iter().copied().collect();
    assert_eq!(distinct.len(), assertions.len(), "no GitHub JWT was reused");
    assert!(requests.iter().all(|request| {
        field(&request.form, "client_assertion_type")
            == Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_github_actions_source_entra_never_gets_a_stale_github_jwt() {
    let _lock = ENV_LOCK.lock().await;
    let kit = entra_testkit();
    // Entra tokens count as 1 s (2 s less the rounding), so Entra is asked about twice a
    // second; GitHub JWTs live 9-10 s, renewed ahead of expiry at about half of that. Between
    // a JWT's renewal and its expiry lie seconds, so no pause of a loaded machine makes the
    // source hand out one that Entra finds expired.
    kit.update_settings(|settings| {
        settings.token_lifetime = Duration::from_secs(2);
        settings.ci_token_lifetime = Duration::from_secs(10);
        settings.ci_subject = FEDERATED_SUBJECT.into();
    });
    let request_url = format!("{}/ci/github/token?api-version=2.0", kit.url());
    let _env = EnvVars::set(&[
        ("ACTIONS_ID_TOKEN_REQUEST_URL", Some(&request_url)),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", Some(GITHUB_REQUEST_TOKEN)),
    ]);
    let credential = azure(&kit)
        .client_assertion(source::GitHubActions::new())
        .build()
        .unwrap();

    // Until Entra has been sent a renewed GitHub JWT (about 5 s), however slow the machine.
    let give_up = Instant::now() + Duration::from_secs(60);
    let mut sent = sent_assertions(&kit);
    while distinct(&sent) < 2 {
        assert!(Instant::now() < give_up, "the GitHub JWT was never renewed");
        let asked = SystemTime::now();
        let token = credential.token().await.unwrap();
        assert!(
            valid_when_asked(&token, asked),
            "a caller saw an expired token"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
        sent = sent_assertions(&kit);
    }

    // The fake Entra refuses an expired assertion: no failure means none was sent.
    assert_eq!(credential.stats().failures, 0, "{:?}", credential.stats());
    assert!(
        sent.len() >= 3,
        "a fresh GitHub JWT is reused across Entra requests: {} requests",
        sent.len()
    );
    let mut runs = sent.clone();
    runs.dedup();
    assert_eq!(
        distinct(&runs),
        runs.len(),
        "once renewed, the older GitHub JWT is never sent again"
    );
    // One fetch per JWT sent: the first, and its renewal. The renewal is fetched ahead of
    // expiry while the old JWT still serves, so the next renewal is seconds away yet; a JWT
    // fetched and not sent here would be a fetch the cache's single flight should have saved.
    assert_eq!(
        kit.counters().ci_token_requests,
        2,
        "one GitHub request per JWT sent"
    );
}

/// The client assertions Entra received, in order.
fn sent_assertions(kit: &Testkit) -> Vec<String> {
    kit.entra_requests()
        .iter()
        .filter_map(|request| field(&request.form, "client_assertion").map(str::to_owned))
        .collect()
}

fn distinct(assertions: &[String]) -> usize {
    assertions.iter().collect::<HashSet<_>>().len()
}

#[tokio::test]
async fn workload_identity_from_the_environment_reads_the_token_file_at_every_request() {
    let kit = entra_testkit();
    let dir = std::env::temp_dir().join(format!("dbfed-azure-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("azure-identity-token");
    let federated_jwt = || {
        kit.mint(MintRequest {
            sub: FEDERATED_SUBJECT.into(),
            aud: vec![FEDERATED_TOKEN_AUDIENCE.into()],
            ..MintRequest::default()
        })
    };
    let first = federated_jwt();
    std::fs::write(&path, &first).unwrap();
    let variables = [
        ("AZURE_AUTHORITY_HOST", kit.entra_authority()),
        ("AZURE_TENANT_ID", TENANT.to_owned()),
        ("AZURE_CLIENT_ID", APP.to_owned()),
        ("AZURE_FEDERATED_TOKEN_FILE", path.display().to_string()),
    ];
    // SAFETY: only this test reads or writes these variables.
    unsafe {
        for (name, value) in &variables {
            std::env::set_var(name, value);
        }
    }
    let built = Credential::azure()
        .from_env()
        .retry_policy(fast_retries())
        .build();
    unsafe {
        for (name, _) in &variables {
            std::env::remove_var(name);
        }
    }
    let credential = built.unwrap();

    let token = credential.token().await.unwrap();
    assert_eq!(
        call_me(&kit, &token).await.1["userName"],
        format!("sp:{APP}")
    );
    let rotated = federated_jwt();
    std::fs::write(&path, &rotated).unwrap();
    credential.invalidate();
    credential.token().await.unwrap();

    let sent: Vec<String> = kit
        .entra_requests()
        .iter()
        .filter_map(|request| field(&request.form, "client_assertion").map(str::to_owned))
        .collect();
    assert_eq!(sent, [first, rotated]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_managed_identity_gets_its_tokens_from_imds() {
    let kit = Testkit::start();
    for (client_id, system_assigned) in [("mi-system", true), ("mi-user", false)] {
        kit.add_managed_identity(ManagedIdentity {
            tenant: TENANT.into(),
            client_id: client_id.into(),
            system_assigned,
        });
    }
    let managed = || {
        Credential::azure()
            .managed_identity()
            .imds_endpoint(kit.imds_endpoint())
            .retry_policy(fast_retries())
    };

    let system = managed().build().unwrap().token().await.unwrap();
    let user = managed()
        .client_id("mi-user")
        .build()
        .unwrap()
        .token()
        .await
        .unwrap();

    assert_eq!(call_me(&kit, &system).await.1["userName"], "sp:mi-system");
    assert_eq!(call_me(&kit, &user).await.1["userName"], "sp:mi-user");
    assert!(
        user.remaining() > Duration::from_secs(3000),
        "expires_in read from a string"
    );
    let requests = kit.entra_requests();
    assert_eq!(requests[0].method, "GET");
    assert_eq!(
        requests[0].query,
        pairs(&[
            ("api-version", "2018-02-01"),
            ("resource", AZURE_DATABRICKS_RESOURCE_ID)
        ])
    );
    assert_eq!(field(&requests[1].query, "client_id"), Some("mi-user"));
}

#[tokio::test]
async fn on_app_service_a_managed_identity_gets_its_tokens_from_the_identity_endpoint() {
    let kit = Testkit::start();
    for (client_id, system_assigned) in [("mi-system", true), ("mi-user", false)] {
        kit.add_managed_identity(ManagedIdentity {
            tenant: TENANT.into(),
            client_id: client_id.into(),
            system_assigned,
        });
    }
    let managed = |header: &str| {
        Credential::azure()
            .managed_identity()
            .identity_endpoint(kit.app_service_identity_endpoint(), header)
            .retry_policy(fast_retries())
    };

    let system = managed(APP_SERVICE_IDENTITY_HEADER)
        .build()
        .unwrap()
        .token()
        .await
        .unwrap();
    let user = managed(APP_SERVICE_IDENTITY_HEADER)
        .client_id("mi-user")
        .build()
        .unwrap()
        .token()
        .await
        .unwrap();
    let refused = managed("not-the-header")
        .build()
        .unwrap()
        .token()
        .await
        .unwrap_err();

    assert_eq!(call_me(&kit, &system).await.1["userName"], "sp:mi-system");
    assert_eq!(call_me(&kit, &user).await.1["userName"], "sp:mi-user");
    assert!(
        user.remaining() > Duration::from_secs(3000),
        "the lifetime is read from expires_on alone"
    );
    let requests = kit.entra_requests();
    assert_eq!(requests[0].path, "/msi/token");
    assert_eq!(
        requests[0].query,
        pairs(&[
            ("api-version", "2019-08-01"),
            ("resource", AZURE_DATABRICKS_RESOURCE_ID)
        ])
    );
    assert_eq!(field(&requests[1].query, "client_id"), Some("mi-user"));
    assert_eq!(refused.status(), Some(401), "{refused}");
    assert!(
        refused.to_string().contains("X-IDENTITY-HEADER")
            && !refused.to_string().contains("not-the-header"),
        "{refused}"
    );
    assert_eq!(requests.len(), 3, "401 is final");
}

#[tokio::test]
async fn plain_http_to_an_identity_endpoint_off_the_machine_is_refused() {
    let built = Credential::azure()
        .managed_identity()
        .identity_endpoint("http://10.0.0.7:8081/msi/token", "h")
        .build();

    assert!(matches!(built, Err(Error::Config { .. })));
}

#[tokio::test]
async fn imds_answering_400_is_not_retried_and_503_is() {
    let kit = Testkit::start();
    kit.add_managed_identity(ManagedIdentity {
        tenant: TENANT.into(),
        client_id: "mi".into(),
        system_assigned: true,
    });
    let credential = Credential::azure()
        .managed_identity()
        .imds_endpoint(kit.imds_endpoint())
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    kit.inject(Fault {
        path: "/metadata/".into(),
        status: Some(400),
        body: Some(
            r#"{"error":"invalid_request","error_description":"Identity not found"}"#.into(),
        ),
        ..Fault::default()
    });

    let err = credential.token().await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(err.to_string().contains("Identity not found"), "{err}");
    assert_eq!(kit.entra_requests().len(), 1, "400 is final");

    kit.inject(Fault {
        path: "/metadata/".into(),
        status: Some(503),
        count: 2,
        ..Fault::default()
    });
    credential.token().await.unwrap();
    assert_eq!(
        kit.entra_requests().len(),
        4,
        "two 503s retried, then a token"
    );
}

#[tokio::test]
async fn entra_refusals_say_why_and_carry_the_correlation_id() {
    let kit = entra_testkit();
    let credential = azure(&kit).client_secret("not-the-secret").build().unwrap();

    let err = credential.token().await.unwrap_err();

    let Error::Rejected(Rejection {
        status,
        error,
        description,
        request_id,
        ..
    }) = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(*status, 401);
    assert_eq!(error.as_deref(), Some("invalid_client"));
    assert!(
        description
            .as_deref()
            .unwrap_or_default()
            .starts_with("AADSTS7000215"),
        "{err}"
    );
    let request_id = request_id.as_deref().unwrap_or_default();
    assert!(
        description
            .as_deref()
            .unwrap_or_default()
            .contains(&format!("Correlation ID: {request_id}")),
        "the request id is Entra's correlation id: {err}"
    );
    assert!(!err.to_string().contains("not-the-secret"));
    assert_eq!(kit.entra_requests().len(), 1, "401 is not retried");
}

#[tokio::test]
async fn on_behalf_of_sends_the_entra_form_and_caches_per_user() {
    let kit = entra_testkit();
    let exchanger = AzureOnBehalfOf::builder()
        .authority_host(kit.entra_authority())
        .tenant_id(TENANT)
        .client_id(APP)
        .client_secret(SECRET)
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let user_token = |upn: &str, audience: &str, expired: bool| {
        kit.mint_entra_user_token(EntraUserToken {
            tenant: TENANT.into(),
            upn: upn.into(),
            audience: audience.into(),
            expired,
            ..EntraUserToken::default()
        })
    };
    let alice = user_token("alice@contoso.com", APP, false);
    let bob = user_token("bob@contoso.com", APP, false);

    let alices = exchanger.token_for(&alice).await.unwrap();
    assert!(exchanger.token_for(&alice).await.unwrap().same_as(&alices));
    let bobs = exchanger.token_for(&bob).await.unwrap();

    assert_eq!(
        call_me(&kit, &alices).await.1["userName"],
        "alice@contoso.com"
    );
    assert_eq!(call_me(&kit, &bobs).await.1["userName"], "bob@contoso.com");
    let requests = kit.entra_requests();
    assert_eq!(requests.len(), 2, "one request per user");
    assert_eq!(
        requests[0].path,
        format!("/entra/{TENANT}/oauth2/v2.0/token")
    );
    assert_eq!(
        requests[0].form,
        pairs(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("client_id", APP),
            ("client_secret", SECRET),
            ("assertion", &alice),
            (
                "scope",
                "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/user_impersonation"
            ),
            ("requested_token_use", "on_behalf_of"),
        ])
    );

    let expired = exchanger
        .token_for(&user_token("carol@contoso.com", APP, true))
        .await
        .unwrap_err();
    assert!(expired.to_string().contains("expired at"), "{expired}");
    let foreign = exchanger
        .token_for(&user_token("dave@contoso.com", "api://another-app", false))
        .await
        .unwrap_err();
    assert_eq!(foreign.status(), Some(400));
    assert!(foreign.to_string().contains("AADSTS50013"), "{foreign}");
    assert_eq!(
        kit.entra_requests().len(),
        3,
        "the expired token was refused locally"
    );
    let stats = exchanger.stats();
    assert_eq!((stats.entries, stats.refused), (2, 1), "{stats:?}");
}
