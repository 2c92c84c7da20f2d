//! The main job, end to end, against the bundled fake IdP and fake Databricks:
//! mint a workload JWT, exchange it for a Databricks token, call a protected API with it.
//!
//! Run: `cargo run -p dbfed --example demo`

use dbfed::{Credential, source::Fixed};
use dbfed_testkit::{MintRequest, Policy, Testkit};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let kit = Testkit::start();
    println!("fake IdP + Databricks listening at {}", kit.url());

    // The federation policy an admin would create on the service principal.
    let client_id = "6f1c1a3e-demo-4a5b-9c8d-0123456789ab";
    let subject = "repo:acme/etl:environment:prod";
    kit.add_policy(Policy {
        client_id: Some(client_id.into()),
        issuer: kit.issuer(),
        audiences: vec![kit.account_id()],
        subject: Some(subject.into()),
        subject_claim: None,
    });
    println!(
        "federation policy: issuer {}, audience {}, subject {subject}",
        kit.issuer(),
        kit.account_id()
    );

    // The JWT a CI job or a workload would get from its identity provider.
    let jwt = kit.mint(MintRequest {
        sub: subject.into(),
        aud: vec![kit.account_id()],
        ..MintRequest::default()
    });

    let credential = Credential::builder()
        .workspace(kit.url())
        .account_id(kit.account_id())
        .client_id(client_id)
        .source(Fixed::new(jwt))
        .build()?;
    let endpoints = credential.endpoints().await?;
    println!(
        "token endpoint {} ({:?}), audience {} ({:?})",
        endpoints.token_endpoint,
        endpoints.token_endpoint_origin,
        endpoints.audience,
        endpoints.audience_origin
    );

    let token = credential.token().await?;
    println!("exchanged: {token}");

    let me: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/2.0/preview/scim/v2/Me", kit.url()))
        .header("Authorization", credential.authorization_header().await?)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    println!(
        "GET /api/2.0/preview/scim/v2/Me -> userName {}",
        me["userName"]
    );

    for _ in 0..1000 {
        credential.token().await?;
    }
    let stats = credential.stats();
    println!(
        "1,000 more token() calls: {} exchange(s) in all, {} cache hits",
        stats.exchanges, stats.cache_hits
    );
    Ok(())
}
