//! Every command exits within 2 s of the last thing it writes, 20 runs each, on success and on
//! failure, logging at TRACE; and `serve` exits cleanly on SIGINT as on SIGTERM.

use std::io::Read;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::*;

const RUNS: usize = 20;
const EXIT_BOUND: Duration = Duration::from_secs(2);

/// Reads `stream` to its end in a thread, noting when its last byte came in `last`.
fn drain(
    mut stream: impl Read + Send + 'static,
    last: Arc<Mutex<Option<Instant>>>,
) -> JoinHandle<usize> {
    std::thread::spawn(move || {
        let (mut buffer, mut total) = ([0u8; 4096], 0);
        while let Ok(read @ 1..) = stream.read(&mut buffer) {
            total += read;
            *last.lock().unwrap() = Some(Instant::now());
        }
        total
    })
}

/// Runs `child` to its end: its exit status, and how long after its last byte of output it
/// exited (`None` when it had not exited 30 s later, or wrote nothing).
fn time_to_exit(mut child: Child) -> (Option<ExitStatus>, Option<Duration>) {
    let last = Arc::new(Mutex::new(None));
    let readers = [
        drain(child.stdout.take().unwrap(), last.clone()),
        drain(child.stderr.take().unwrap(), last.clone()),
    ];
    let status = wait_within(&mut child, Duration::from_secs(30));
    let exited = Instant::now();
    let written: usize = readers
        .into_iter()
        .map(|reader| reader.join().unwrap())
        .sum();
    let last = last
        .lock()
        .unwrap()
        .filter(|_| written > 0 && status.is_some());
    (
        status,
        last.map(|last| exited.saturating_duration_since(last)),
    )
}

#[test]
fn every_command_exits_within_2_s_of_its_last_output_20_runs_each() {
    let kit = kit();
    let jwt = jwt(&kit);
    let issuer = kit.issuer();
    let commands: [(&[&str], i32); 7] = [
        (&["token"], 0),
        (&["token", "--json"], 0),
        (&["decode", &jwt], 0),
        (&["policy", "suggest", "--jwt", &jwt], 0),
        (&["doctor", "--policy-issuer", &issuer], 0),
        (&["exec", "--", "sh", "-c", "echo done"], 0),
        (&["token", "--client-id", "unknown-sp"], 1),
    ];
    let mut slowest = Duration::ZERO;
    for (args, code) in commands {
        for run in 0..RUNS {
            let child = dbfed(&kit)
                .env("DBFED_LOG", "trace")
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let (status, after_output) = time_to_exit(child);
            let what = format!("{args:?}, run {run}");
            assert_eq!(
                status.and_then(|status| status.code()),
                Some(code),
                "{what}"
            );
            let after_output = after_output.unwrap_or_else(|| panic!("{what}: no output"));
            assert!(
                after_output < EXIT_BOUND,
                "{what}: exited {after_output:?} after its last output"
            );
            slowest = slowest.max(after_output);
        }
    }
    println!("every command: {RUNS} runs each, slowest exit {slowest:?} after its last output");
}

#[test]
fn serve_exits_cleanly_on_sigint_as_on_sigterm_with_a_request_half_sent() {
    let kit = kit();
    for (name, signal) in [("SIGINT", 2), ("SIGTERM", 15)] {
        let (mut child, url) = serve(&mut dbfed(&kit), &[]);
        let _held = half_sent_request(&url);
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc_kill(child.id() as i32, signal) };
        let signalled = Instant::now();
        let status = wait_within(&mut child, Duration::from_secs(30));
        let waited = signalled.elapsed();
        assert_eq!(status.and_then(|status| status.code()), Some(0), "{name}");
        // The shutdown deadline is 2 s; the header timeout (10 s) must not be what ended it.
        assert!(
            waited < Duration::from_secs(8),
            "{name}: exited {waited:?} after it"
        );
    }
}
