//! A JWT printed by a program (never through a shell), e.g. `buildkite-agent oidc request-token`.

use std::fmt;
use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Child;

use super::fetched::{CachedJwt, FetchJwt};
use super::{MAX_JWT_BYTES, SourceContext, SubjectTokenSource, one_jwt};
use crate::error::{Error, Result};
use crate::options::{Description, Shown};
use crate::server_text::quoted;
use crate::time;
use crate::token::SubjectToken;

/// The placeholder in arguments that is replaced by the audience.
pub const AUDIENCE_PLACEHOLDER: &str = "{audience}";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How much of the program's stderr an error message quotes.
const STDERR_EXCERPT_CHARS: usize = 500;
/// The most of the program's stdout read: one JWT and room for the JSON around it. A program
/// printing more is killed.
const MAX_STDOUT_BYTES: usize = MAX_JWT_BYTES + 4 * 1024;
/// The most of the program's stderr kept for the excerpt; the rest is read and dropped.
const MAX_STDERR_BYTES: usize = 8 * 1024;

/// Runs a program and exchanges the JWT it prints, cached until shortly before it expires.
///
/// The program runs directly (no shell), with no standard input, and is killed after the
/// timeout (default 30 s), or as soon as it prints more than a token response can be
/// ([`MAX_JWT_BYTES`] and 4 KB of JSON). Its standard output is either a bare JWT or the executable-source
/// JSON `{"version": 1, "success": true, "id_token": "…", "expiration_time": …}` (failures:
/// `{"success": false, "code": "…", "message": "…"}`). Standard error is never parsed; it is
/// quoted in the error when the program fails. `{audience}` in an argument is replaced by the
/// audience.
pub struct Command {
    name: &'static str,
    program: PathBuf,
    args: Vec<String>,
    timeout: Duration,
    cached: CachedJwt,
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        shown(f, "Command", &self.program, &self.args, self.timeout)
    }
}

/// A command as `Debug` shows it: its arguments counted, never shown (one may be a JWT or a
/// password).
fn shown(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    program: &std::path::Path,
    args: &[String],
    timeout: Duration,
) -> fmt::Result {
    f.debug_struct(name)
        .field("program", &program)
        .field("arguments", &args.len())
        .field("timeout", &timeout)
        .finish_non_exhaustive()
}

impl Command {
    /// A source running `program`.
    pub fn new(program: impl Into<PathBuf>) -> Self {
        Command {
            name: "command",
            program: program.into(),
            args: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            cached: CachedJwt::default(),
        }
    }

    /// Buildkite: `buildkite-agent oidc request-token --audience <audience>`.
    pub fn buildkite() -> Self {
        let mut command = Command::new("buildkite-agent").args([
            "oidc",
            "request-token",
            "--audience",
            AUDIENCE_PLACEHOLDER,
        ]);
        command.name = "buildkite";
        command
    }

    /// Appends arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Kills the program if it has not finished after `timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl SubjectTokenSource for Command {
    fn name(&self) -> &str {
        self.name
    }

    fn describe(&self) -> Description {
        if self.name == "buildkite" {
            return Description::new("Command").constructor("buildkite");
        }
        let mut description = Description::new("Command")
            .positional("program", Shown::Text(self.program.display().to_string()));
        if !self.args.is_empty() {
            // Counted, never shown: an argument may be a JWT or a password.
            let count = self.args.len();
            let word = if count == 1 { "argument" } else { "arguments" };
            description =
                description.positional("args", Shown::Withheld(format!("{count} {word}")));
        }
        if self.timeout != DEFAULT_TIMEOUT {
            description = description.field("timeout", Shown::Span(self.timeout));
        }
        description
    }

    fn subject_token<'a>(
        &'a self,
        context: &'a SourceContext,
    ) -> BoxFuture<'a, Result<SubjectToken>> {
        Box::pin(self.cached.get(&context.audience, || {
            Ok(CommandRunner {
                name: self.name,
                program: self.program.clone(),
                args: self.args.clone(),
                timeout: self.timeout,
            })
        }))
    }
}

struct CommandRunner {
    name: &'static str,
    program: PathBuf,
    args: Vec<String>,
    timeout: Duration,
}

impl fmt::Debug for CommandRunner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        shown(f, "CommandRunner", &self.program, &self.args, self.timeout)
    }
}

/// The executable-source response format (as google-auth's pluggable credentials use).
#[derive(Deserialize)]
struct ExecutableResponse {
    success: Option<bool>,
    id_token: Option<String>,
    expiration_time: Option<u64>,
    code: Option<String>,
    message: Option<String>,
}

impl CommandRunner {
    fn fail(&self, message: String) -> Error {
        Error::source(self.name, message)
    }

    fn parse(&self, stdout: &str) -> Result<SubjectToken> {
        let stdout = stdout.trim();
        if !stdout.starts_with('{') {
            return one_jwt(self.name, "the program's output", stdout.as_bytes());
        }
        let response: ExecutableResponse = serde_json::from_str(stdout).map_err(|err| {
            self.fail(format!(
                "the program printed JSON that is not a token response: {}",
                quoted(&err.to_string(), &[])
            ))
        })?;
        if response.success == Some(false) {
            return Err(self.fail(format!(
                "the program reported failure: {}: {}",
                quoted(&response.code.unwrap_or_default(), &[]),
                quoted(&response.message.unwrap_or_default(), &[])
            )));
        }
        let token = one_jwt(
            self.name,
            "the program's id_token",
            response.id_token.as_deref().unwrap_or_default().as_bytes(),
        )?;
        if let Some(expiration) = response.expiration_time
            && time::from_unix_seconds(expiration) < SystemTime::now()
        {
            return Err(
                self.fail("the program returned a token whose expiration_time has passed".into())
            );
        }
        Ok(token)
    }
}

/// What a [`Command`] source makes of a program's standard output (for the fuzz targets).
#[cfg(feature = "fuzzing")]
pub(crate) fn parse_output(stdout: &str) -> Result<SubjectToken> {
    let runner = CommandRunner {
        name: "command",
        program: PathBuf::new(),
        args: Vec::new(),
        timeout: DEFAULT_TIMEOUT,
    };
    runner.parse(stdout)
}

impl FetchJwt for CommandRunner {
    fn fetch<'a>(&'a self, audience: &'a str) -> BoxFuture<'a, Result<SubjectToken>> {
        Box::pin(async move {
            let args = self
                .args
                .iter()
                .map(|arg| arg.replace(AUDIENCE_PLACEHOLDER, audience));
            let program = self.program.display().to_string();
            let mut child = tokio::process::Command::new(&self.program)
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .map_err(|err| {
                    Error::source_with_cause(
                        self.name,
                        format!("cannot run `{program}`: {err}"),
                        err,
                    )
                })?;
            let collected = tokio::time::timeout(self.timeout, self.collect(&mut child, &program));
            let output = match collected.await {
                Ok(Ok(output)) => output,
                Ok(Err(err)) => {
                    // Already exited or already killed: nothing left to stop.
                    let _ = child.kill().await;
                    return Err(err);
                }
                Err(_elapsed) => {
                    let _ = child.kill().await;
                    return Err(self.fail(format!(
                        "`{program}` did not finish within {:?}; it was killed",
                        self.timeout
                    )));
                }
            };
            if !output.status.success() {
                let stderr = String::from_utf8_lossy(&output.stderr);
                let excerpt: String = stderr.trim().chars().take(STDERR_EXCERPT_CHARS).collect();
                let excerpt = quoted(&excerpt, &[]);
                return Err(self.fail(format!(
                    "`{program}` exited with {}: {excerpt}",
                    output.status
                )));
            }
            self.parse(&String::from_utf8_lossy(&output.stdout))
        })
    }
}

impl CommandRunner {
    /// Reads the program's stdout (failing once it passes [`MAX_STDOUT_BYTES`]) and stderr (kept
    /// up to [`MAX_STDERR_BYTES`]) to their ends, then waits for it to exit.
    async fn collect(&self, child: &mut Child, program: &str) -> Result<Output> {
        let broken = |err: std::io::Error| {
            Error::source_with_cause(self.name, format!("`{program}` failed: {err}"), err)
        };
        let (stdout_pipe, stderr_pipe) = (child.stdout.take(), child.stderr.take());
        let stdout = async {
            let mut stdout = Vec::new();
            if let Some(pipe) = stdout_pipe {
                pipe.take(MAX_STDOUT_BYTES as u64 + 1)
                    .read_to_end(&mut stdout)
                    .await
                    .map_err(broken)?;
            }
            if stdout.len() > MAX_STDOUT_BYTES {
                return Err(self.fail(format!(
                    "`{program}` printed more than {MAX_STDOUT_BYTES} bytes, more than a token \
                     can be; it was killed"
                )));
            }
            Ok(stdout)
        };
        let stderr = read_head(stderr_pipe, MAX_STDERR_BYTES);
        let (stdout, stderr) =
            futures::future::try_join(stdout, async { stderr.await.map_err(broken) }).await?;
        let status = child.wait().await.map_err(broken)?;
        Ok(Output {
            status,
            stdout,
            stderr,
        })
    }
}

/// Reads `pipe` to its end, keeping its first `limit` bytes (so a chatty program never blocks
/// on a full pipe, and never fills memory).
async fn read_head(pipe: Option<impl AsyncRead + Unpin>, limit: usize) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    if let Some(pipe) = pipe {
        let mut limited = pipe.take(limit as u64);
        limited.read_to_end(&mut head).await?;
        tokio::io::copy(&mut limited.into_inner(), &mut tokio::io::sink()).await?;
    }
    Ok(head)
}
