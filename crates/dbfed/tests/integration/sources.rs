//! The sources of this crate: fixed, environment variable, file and callback.

use dbfed::{Credential, Error, source};
use dbfed_testkit::MintRequest;

use crate::common::*;

fn builder(kit: &dbfed_testkit::Testkit) -> dbfed::CredentialBuilder {
    Credential::builder()
        .workspace(kit.url())
        .client_id(CLIENT_ID)
        .retry_policy(fast_retries())
}

#[tokio::test]
async fn the_env_var_is_read_again_at_every_exchange() {
    let kit = testkit();
    let var = "DBFED_TEST_JWT_ENV_REREAD";
    // SAFETY: the variable's name is unique to this test; nothing else reads or writes it.
    unsafe { std::env::set_var(var, sp_jwt(&kit)) };
    let credential = builder(&kit)
        .source(source::EnvVar::new(var))
        .build()
        .unwrap();
    credential.token().await.unwrap();

    let rotated = sp_jwt(&kit);
    unsafe { std::env::set_var(var, &rotated) };
    credential.invalidate();
    credential.token().await.unwrap();

    let last = kit.exchanges().pop().unwrap();
    assert!(last.form.contains(&("subject_token".into(), rotated)));

    unsafe { std::env::remove_var(var) };
    credential.invalidate();
    let err = credential.token().await.unwrap_err();
    assert!(matches!(err, Error::Source { .. }), "{err:?}");
    assert!(
        err.to_string().contains(var) && err.to_string().contains("not set"),
        "{err}"
    );
}

#[tokio::test]
async fn the_file_is_read_again_trimmed_and_a_missing_or_empty_file_is_a_clear_error() {
    let kit = testkit();
    let dir = std::env::temp_dir().join(format!("dbfed-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("token");
    std::fs::write(&path, format!("  {}\n", sp_jwt(&kit))).unwrap();
    let credential = builder(&kit)
        .source(source::File::new(&path))
        .build()
        .unwrap();
    credential.token().await.unwrap();

    let rotated = sp_jwt(&kit);
    std::fs::write(&path, &rotated).unwrap();
    credential.invalidate();
    credential.token().await.unwrap();
    assert!(
        kit.exchanges()
            .pop()
            .unwrap()
            .form
            .contains(&("subject_token".into(), rotated))
    );

    std::fs::write(&path, "\n").unwrap();
    credential.invalidate();
    let err = credential.token().await.unwrap_err();
    assert!(err.to_string().contains("is empty"), "{err}");

    std::fs::remove_file(&path).unwrap();
    credential.invalidate();
    let err = credential.token().await.unwrap_err();
    assert!(matches!(err, Error::Source { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_callback_gets_the_audience_and_its_errors_keep_their_cause() {
    let kit = testkit();
    let jwt = sp_jwt(&kit);
    let credential = builder(&kit)
        .audience(AUDIENCE)
        .source(source::Callback::new(move |context| {
            let jwt = jwt.clone();
            async move {
                assert_eq!(context.audience, AUDIENCE);
                Ok::<_, std::io::Error>(jwt)
            }
        }))
        .build()
        .unwrap();
    credential.token().await.unwrap();

    let failing = builder(&kit)
        .source(source::Callback::new(|_| async {
            Err::<String, _>(std::io::Error::other("vault unreachable"))
        }))
        .build()
        .unwrap();
    let err = failing.token().await.unwrap_err();
    assert!(err.to_string().contains("vault unreachable"), "{err}");
    let cause = std::error::Error::source(&err).expect("the cause is chained");
    assert_eq!(cause.to_string(), "vault unreachable");
}

#[tokio::test]
async fn an_expired_subject_jwt_is_refused_before_any_exchange() {
    let kit = testkit();
    let expired = kit.mint(MintRequest {
        sub: SUBJECT.into(),
        aud: vec![AUDIENCE.into()],
        expired: true,
        ..MintRequest::default()
    });
    let credential = builder(&kit)
        .source(source::Fixed::new(expired))
        .build()
        .unwrap();

    let err = credential.token().await.unwrap_err();

    assert!(matches!(err, Error::Source { .. }), "{err:?}");
    assert!(err.to_string().contains("expired"), "{err}");
    assert_eq!(kit.counters().exchanges, 0);
}
