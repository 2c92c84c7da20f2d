//! The sources of this crate: fixed, environment variable, file and callback.

use std::path::{Path, PathBuf};
use std::time::Duration;

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

/// What every local source may hand over: at most 16 KB (`dbfed::source::MAX_JWT_BYTES`).
const JWT_CAP: usize = 16 * 1024;

/// A bound on a call that must fail promptly; generous, so a loaded CI machine never trips it,
/// but a hang fails the test instead of hanging it.
const PROMPTLY: Duration = Duration::from_secs(60);

/// A fresh directory for one test.
fn scratch_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dbfed-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `credential.token()`, failing the test if it does not return within [`PROMPTLY`].
async fn token_promptly(credential: &Credential) -> dbfed::Result<dbfed::AccessToken> {
    tokio::time::timeout(PROMPTLY, credential.token())
        .await
        .expect("token() returned within a minute")
}

/// Checks that `err` is a source error saying `expected`, and that nothing was exchanged.
fn refused_unsent(kit: &dbfed_testkit::Testkit, err: &Error, expected: &str) {
    assert!(matches!(err, Error::Source { .. }), "{err:?}");
    assert!(err.to_string().contains(expected), "{err}");
    assert!(kit.exchanges().is_empty(), "nothing is sent");
}

#[tokio::test]
async fn a_50_mb_token_file_is_refused_after_reading_its_first_16_kb_and_never_sent() {
    let kit = testkit();
    let dir = scratch_dir("huge-token-file");
    let path = dir.join("token");
    let file = std::fs::File::create(&path).unwrap();
    std::io::Write::write_all(&mut &file, sp_jwt(&kit).as_bytes()).unwrap();
    file.set_len(50 * 1024 * 1024).unwrap();
    let credential = builder(&kit)
        .source(source::File::new(&path))
        .build()
        .unwrap();

    let err = token_promptly(&credential).await.unwrap_err();

    refused_unsent(&kit, &err, &format!("is longer than {JWT_CAP} bytes"));
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[tokio::test]
async fn a_token_file_must_be_a_regular_file_and_a_fifo_without_writer_is_refused_not_waited_on() {
    let kit = testkit();
    let dir = scratch_dir("fifo-token");
    // Kubernetes projects a token as token -> ..data/token, ..data -> ..<timestamp>/.
    let projected = dir.join("..2026_12_03_21_00_00.1");
    std::fs::create_dir(&projected).unwrap();
    std::fs::write(projected.join("token"), sp_jwt(&kit)).unwrap();
    std::os::unix::fs::symlink(&projected, dir.join("..data")).unwrap();
    std::os::unix::fs::symlink(dir.join("..data/token"), dir.join("token")).unwrap();
    let linked = builder(&kit)
        .source(source::File::kubernetes(Some(dir.join("token"))))
        .build()
        .unwrap();
    token_promptly(&linked)
        .await
        .expect("a symlinked token is read");
    assert_eq!(kit.exchanges().len(), 1);

    let fifo = dir.join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let credential = builder(&kit)
        .source(source::File::new(&fifo))
        .build()
        .unwrap();
    let outcome = tokio::time::timeout(PROMPTLY, credential.token()).await;
    let Ok(result) = outcome else {
        // Let the blocked reader go (a writer opening the FIFO wakes it with EOF), so that the
        // runtime can shut down and the test fails instead of hanging.
        let _ = std::thread::spawn(move || std::fs::OpenOptions::new().write(true).open(fifo));
        panic!("reading a FIFO without a writer hung");
    };
    let err = result.unwrap_err();
    assert!(matches!(err, Error::Source { .. }), "{err:?}");
    assert!(err.to_string().contains("a FIFO"), "{err}");
    assert!(err.to_string().contains("not a regular file"), "{err}");
    assert_eq!(kit.exchanges().len(), 1, "nothing more is sent");

    let directory = builder(&kit)
        .source(source::File::new(&dir))
        .build()
        .unwrap();
    let err = token_promptly(&directory).await.unwrap_err();
    assert!(err.to_string().contains("is a directory"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn proc_self_environ_as_the_token_file_is_refused_without_showing_its_content() {
    let kit = testkit();
    let credential = builder(&kit)
        .source(source::File::new("/proc/self/environ"))
        .build()
        .unwrap();

    let err = token_promptly(&credential).await.unwrap_err();

    assert!(matches!(err, Error::Source { .. }), "{err:?}");
    assert!(kit.exchanges().is_empty(), "nothing is sent");
    let shown = format!("{err} {err:?}");
    let environ = std::fs::read("/proc/self/environ").unwrap();
    for entry in environ
        .split(|byte| *byte == 0)
        .filter(|entry| entry.len() > 3)
    {
        let entry = String::from_utf8_lossy(entry);
        assert!(!shown.contains(&*entry), "{shown} shows {entry}");
    }
}

#[cfg(unix)]
#[tokio::test]
async fn a_program_printing_100_mb_is_killed_and_refused_and_one_printing_a_jwt_works() {
    let kit = testkit();
    let jwt = sp_jwt(&kit);
    let printing = builder(&kit)
        .source(source::Command::new("sh").args(["-c", "printf '%s\\n' \"$1\"", "sh", &jwt]))
        .build()
        .unwrap();
    token_promptly(&printing)
        .await
        .expect("a printed JWT works");
    assert!(
        kit.exchanges()
            .pop()
            .unwrap()
            .form
            .contains(&("subject_token".into(), jwt))
    );

    let kit = testkit();
    let dir = scratch_dir("huge-command-output");
    let pid_file = dir.join("pid").display().to_string();
    let flooding = builder(&kit)
        .source(
            source::Command::new("sh")
                .args([
                    "-c",
                    "echo $$ > \"$1\"; exec head -c 100000000 /dev/zero",
                    "sh",
                    &pid_file,
                ])
                .timeout(Duration::from_secs(600)),
        )
        .build()
        .unwrap();

    let err = token_promptly(&flooding).await.unwrap_err();

    refused_unsent(&kit, &err, "printed more than");
    assert!(err.to_string().contains("it was killed"), "{err}");
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    assert!(
        !Path::new(&format!("/proc/{}", pid.trim())).exists() || cfg!(not(target_os = "linux")),
        "the program (pid {pid}) is gone"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_callback_returning_50_mb_is_refused_and_never_sent() {
    let kit = testkit();
    let credential = builder(&kit)
        .source(source::Callback::new(|_| async {
            Ok::<_, std::io::Error>("x".repeat(50 * 1024 * 1024))
        }))
        .build()
        .unwrap();

    let err = token_promptly(&credential).await.unwrap_err();

    refused_unsent(&kit, &err, &format!("is longer than {JWT_CAP} bytes"));
    assert!(!err.to_string().contains("xxxx"), "{err}");
}

#[tokio::test]
async fn two_tokens_or_a_token_with_a_space_or_line_break_inside_are_refused_from_every_source() {
    let kit = testkit();
    let (first, second) = (sp_jwt(&kit), sp_jwt(&kit));
    let var = "DBFED_TEST_JWT_WITH_SPACE";
    // SAFETY: the variable's name is unique to this test; nothing else reads or writes it.
    unsafe { std::env::set_var(var, format!("{first} {second}")) };
    let dir = scratch_dir("two-tokens");
    let path = dir.join("token");
    std::fs::write(&path, format!("{first}\n{second}\n")).unwrap();
    let (in_callback, in_fixed) = (format!("{first}\r\n{second}"), format!("{first}\t"));
    let in_fixed = format!("{in_fixed}{second}");
    let sources: Vec<Box<dyn FnOnce(dbfed::CredentialBuilder) -> dbfed::CredentialBuilder>> = vec![
        Box::new(|b| b.source(source::EnvVar::new(var))),
        Box::new(|b| b.source(source::File::new(&path))),
        Box::new(move |b| {
            b.source(source::Callback::new(move |_| {
                let jwt = in_callback.clone();
                async move { Ok::<_, std::io::Error>(jwt) }
            }))
        }),
        Box::new(move |b| b.source(source::Fixed::new(in_fixed))),
    ];
    for with_source in sources {
        let credential = with_source(builder(&kit)).build().unwrap();
        let err = token_promptly(&credential).await.unwrap_err();
        refused_unsent(&kit, &err, "whitespace or a line break");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(&first[..20]) && !shown.contains(&second[first.len() - 20..]));
    }
    unsafe { std::env::remove_var(var) };
    std::fs::remove_dir_all(&dir).unwrap();
}
