//! A JWT printed by a program (never through a shell), e.g. `buildkite-agent oidc request-token`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use serde::Deserialize;

use super::fetched::{CachedJwt, FetchJwt};
use super::{SourceContext, SubjectTokenSource, non_empty};
use crate::error::{Error, Result};
use crate::server_text::quoted;
use crate::time;
use crate::token::SubjectToken;

/// The placeholder in arguments that is replaced by the audience.
pub const AUDIENCE_PLACEHOLDER: &str = "{audience}";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How much of the program's stderr an error message quotes.
const STDERR_EXCERPT_CHARS: usize = 500;

/// Runs a program and exchanges the JWT it prints, cached until shortly before it expires.
///
/// The program runs directly (no shell), with no standard input, and is killed after the
/// timeout (default 30 s). Its standard output is either a bare JWT or the executable-source
/// JSON `{"version": 1, "success": true, "id_token": "…", "expiration_time": …}` (failures:
/// `{"success": false, "code": "…", "message": "…"}`). Standard error is never parsed; it is
/// quoted in the error when the program fails. `{audience}` in an argument is replaced by the
/// audience.
#[derive(Debug)]
pub struct Command {
    name: &'static str,
    program: PathBuf,
    args: Vec<String>,
    timeout: Duration,
    cached: CachedJwt,
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

#[derive(Debug)]
struct CommandRunner {
    name: &'static str,
    program: PathBuf,
    args: Vec<String>,
    timeout: Duration,
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
            return non_empty(self.name, "the program's output", stdout);
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
        let token = non_empty(
            self.name,
            "the program's id_token",
            response.id_token.as_deref().unwrap_or_default(),
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

impl FetchJwt for CommandRunner {
    fn fetch<'a>(&'a self, audience: &'a str) -> BoxFuture<'a, Result<SubjectToken>> {
        Box::pin(async move {
            let args = self
                .args
                .iter()
                .map(|arg| arg.replace(AUDIENCE_PLACEHOLDER, audience));
            let program = self.program.display().to_string();
            let child = tokio::process::Command::new(&self.program)
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
            let output = tokio::time::timeout(self.timeout, child.wait_with_output())
                .await
                .map_err(|_| {
                    self.fail(format!(
                        "`{program}` did not finish within {:?}; it was killed",
                        self.timeout
                    ))
                })?
                .map_err(|err| {
                    Error::source_with_cause(self.name, format!("`{program}` failed: {err}"), err)
                })?;
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
