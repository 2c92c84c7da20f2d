//! Endpoint discovery, its fallback, and the audience default chain.

use std::sync::{Arc, Mutex};

use dbfed::{AudienceOrigin, Credential, EndpointOrigin, source::Callback};
use dbfed_testkit::{Policy, Testkit};

use crate::common::*;

/// A source that mints a JWT for whatever audience dbfed asks for, and remembers it.
fn minting_source(kit: &Testkit, asked: Arc<Mutex<Vec<String>>>) -> Callback {
    let kit_url = kit.url();
    Callback::new(move |context| {
        let asked = asked.clone();
        let kit_url = kit_url.clone();
        async move {
            asked.lock().unwrap().push(context.audience.clone());
            let body = serde_json::json!({"sub": SUBJECT, "aud": [context.audience]});
            let minted: serde_json::Value = reqwest::Client::new()
                .post(format!("{kit_url}/_testkit/mint"))
                .json(&body)
                .send()
                .await?
                .json()
                .await?;
            Ok::<_, reqwest::Error>(minted["jwt"].as_str().unwrap_or_default().to_owned())
        }
    })
}

#[tokio::test]
async fn the_token_endpoint_comes_from_host_metadata_and_is_remembered() {
    let kit = testkit();
    let credential = sp_builder(&kit, sp_jwt(&kit)).build().unwrap();

    let endpoints = credential.endpoints().await.unwrap();

    assert_eq!(
        endpoints.token_endpoint_origin,
        EndpointOrigin::HostMetadata
    );
    assert_eq!(endpoints.token_endpoint, kit.workspace_token_endpoint());
    credential.token().await.unwrap();
    credential.invalidate();
    credential.token().await.unwrap();
    assert_eq!(
        kit.counters().discovery,
        2,
        "databricks-config and the OIDC document, fetched once for two exchanges"
    );
    assert_eq!(kit.counters().successes, 2);
}

#[tokio::test]
async fn without_host_metadata_the_conventional_path_is_used() {
    let kit = testkit();
    kit.update_settings(|settings| settings.host_metadata = false);
    let credential = sp_builder(&kit, sp_jwt(&kit)).build().unwrap();

    let token = credential.token().await.unwrap();

    let endpoints = credential.endpoints().await.unwrap();
    assert_eq!(endpoints.token_endpoint_origin, EndpointOrigin::Fallback);
    assert_eq!(endpoints.token_endpoint, kit.workspace_token_endpoint());
    assert_eq!(call_me(&kit, &token).await.0, 200);
}

#[tokio::test]
async fn an_explicit_discovery_url_or_token_endpoint_wins() {
    let kit = testkit();
    kit.update_settings(|settings| settings.host_metadata = false);
    let by_discovery = sp_builder(&kit, sp_jwt(&kit))
        .discovery_url(format!(
            "{}/oidc/accounts/{}/.well-known/oauth-authorization-server",
            kit.url(),
            kit.account_id()
        ))
        .build()
        .unwrap();
    let endpoints = by_discovery.endpoints().await.unwrap();
    assert_eq!(
        endpoints.token_endpoint_origin,
        EndpointOrigin::DiscoveryUrl
    );
    assert_eq!(endpoints.token_endpoint, kit.account_token_endpoint());

    let explicit = sp_builder(&kit, sp_jwt(&kit))
        .token_endpoint(kit.workspace_token_endpoint())
        .build()
        .unwrap();
    let endpoints = explicit.endpoints().await.unwrap();
    assert_eq!(endpoints.token_endpoint_origin, EndpointOrigin::Configured);
    explicit.token().await.unwrap();
}

#[tokio::test]
async fn the_audience_follows_the_default_chain() {
    let kit = testkit();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let build = |kit: &Testkit| {
        Credential::builder()
            .workspace(kit.url())
            .client_id(CLIENT_ID)
            .source(minting_source(kit, asked.clone()))
    };

    // 1. Configured.
    let configured = build(&kit).audience(AUDIENCE).build().unwrap();
    let endpoints = configured.endpoints().await.unwrap();
    assert_eq!(
        (endpoints.audience.as_str(), endpoints.audience_origin),
        (AUDIENCE, AudienceOrigin::Configured)
    );
    configured.token().await.unwrap();
    assert_eq!(
        asked.lock().unwrap().last().unwrap(),
        AUDIENCE,
        "the source was asked for it"
    );

    // 2. The host metadata's default audiences.
    kit.update_settings(|settings| settings.default_audiences = vec![AUDIENCE.into()]);
    let from_metadata = build(&kit).account_id(kit.account_id()).build().unwrap();
    let endpoints = from_metadata.endpoints().await.unwrap();
    assert_eq!(
        (endpoints.audience.as_str(), endpoints.audience_origin),
        (AUDIENCE, AudienceOrigin::HostMetadata)
    );
    from_metadata.token().await.unwrap();

    // 3. The account id: a policy without audiences (the server's default) accepts it.
    kit.update_settings(|settings| settings.default_audiences = vec![]);
    kit.add_policy(Policy {
        client_id: Some("sp-default-audience".into()),
        issuer: kit.issuer(),
        audiences: vec![],
        subject: Some(SUBJECT.into()),
        subject_claim: None,
    });
    let from_account = Credential::builder()
        .workspace(kit.url())
        .account_id(kit.account_id())
        .client_id("sp-default-audience")
        .source(minting_source(&kit, asked.clone()))
        .build()
        .unwrap();
    let endpoints = from_account.endpoints().await.unwrap();
    assert_eq!(endpoints.audience, kit.account_id());
    assert_eq!(endpoints.audience_origin, AudienceOrigin::AccountId);
    from_account.token().await.unwrap();

    // 4. The token endpoint, as the last resort.
    let last_resort = build(&kit).build().unwrap();
    let endpoints = last_resort.endpoints().await.unwrap();
    assert_eq!(endpoints.audience, kit.workspace_token_endpoint());
    assert_eq!(endpoints.audience_origin, AudienceOrigin::TokenEndpoint);
    let err = last_resort.token().await.unwrap_err();
    assert!(
        err.to_string().contains("audience"),
        "the SP policy expects another audience: {err}"
    );
}

#[tokio::test]
async fn a_failing_discovery_document_is_an_error_not_a_silent_fallback() {
    let kit = testkit();
    kit.inject(dbfed_testkit::Fault {
        path: "/oidc/.well-known/".into(),
        status: Some(500),
        body: Some(r#"{"error_code":"INTERNAL_ERROR","message":"discovery is down"}"#.into()),
        ..Default::default()
    });
    let credential = sp_builder(&kit, sp_jwt(&kit)).build().unwrap();
    let err = credential.token().await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert!(err.to_string().contains("discovery is down"), "{err}");
    // Not remembered: the next call discovers again and succeeds.
    credential.token().await.unwrap();
}

#[tokio::test]
async fn diagnose_explains_the_token_endpoint_audience_trap() {
    let kit = testkit();
    let asked = Arc::new(Mutex::new(Vec::new()));
    // No audience and no account id: the audience falls back to the token endpoint URL.
    let credential = Credential::builder()
        .workspace(kit.url())
        .client_id(CLIENT_ID)
        .source(minting_source(&kit, asked))
        .build()
        .unwrap();
    let policy = dbfed::FederationPolicy::new(kit.issuer())
        .audiences([kit.account_id()])
        .subject(SUBJECT);

    let mismatches = credential.diagnose(&policy).await.unwrap();

    match mismatches.as_slice() {
        [
            dbfed::Mismatch::AudienceNotAccepted {
                actual,
                token_endpoint_trap,
                ..
            },
        ] => {
            assert_eq!(actual, &vec![kit.workspace_token_endpoint()]);
            assert!(token_endpoint_trap);
        }
        other => panic!("{other:?}"),
    }
    assert!(mismatches[0].to_string().contains("account id"));
    assert_eq!(kit.counters().exchanges, 0, "diagnosis exchanges nothing");
}

#[tokio::test]
async fn diagnose_names_an_expired_jwt_instead_of_failing() {
    let kit = testkit();
    let expired = kit.mint(dbfed_testkit::MintRequest {
        sub: SUBJECT.into(),
        aud: vec![AUDIENCE.into()],
        expired: true,
        ..Default::default()
    });
    let credential = sp_builder(&kit, expired)
        .audience(AUDIENCE)
        .build()
        .unwrap();
    let policy = dbfed::FederationPolicy::new(kit.issuer())
        .audiences([AUDIENCE])
        .subject(SUBJECT);

    let mismatches = credential.diagnose(&policy).await.unwrap();

    assert!(
        matches!(mismatches.as_slice(), [dbfed::Mismatch::Expired { .. }]),
        "{mismatches:?}"
    );
    assert!(
        matches!(credential.token().await, Err(dbfed::Error::Source { .. })),
        "the exchange still refuses it"
    );
}
