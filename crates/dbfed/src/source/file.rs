//! A JWT read from a file at every exchange (Kubernetes projected tokens and the like rotate it).

use std::fs::Metadata;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::future::BoxFuture;

use super::{MAX_JWT_BYTES, SourceContext, SubjectTokenSource, one_jwt};
use crate::error::{Error, Result};
use crate::options::{Description, Shown};
use crate::token::SubjectToken;

/// The default path of a Kubernetes service account's token.
pub const KUBERNETES_SERVICE_ACCOUNT_TOKEN: &str =
    "/var/run/secrets/kubernetes.io/serviceaccount/token";

/// How long opening and reading the file may take (e.g. on a network mount that hangs).
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Reads the JWT from a file, anew at every exchange; surrounding whitespace is trimmed.
///
/// The path must name a regular file (a symlink to one, as Kubernetes projects tokens, is
/// followed): a FIFO, device, socket or directory is refused before it is opened. At most
/// [`MAX_JWT_BYTES`] + 1 bytes are read, within 10 s, and the content must be one JWT.
#[derive(Clone, Debug)]
pub struct File {
    name: &'static str,
    path: FilePath,
}

#[derive(Clone, Debug)]
enum FilePath {
    /// A fixed path.
    Fixed(PathBuf),
    /// The path in an environment variable, read at every exchange.
    InEnv(&'static str),
}

impl File {
    /// A source that reads `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        File {
            name: "file",
            path: FilePath::Fixed(path.into()),
        }
    }

    /// A Kubernetes service account token: a projected volume's path, or `None` for the default
    /// [`KUBERNETES_SERVICE_ACCOUNT_TOKEN`]. The kubelet rotates the file; it is re-read.
    pub fn kubernetes(path: Option<PathBuf>) -> Self {
        File {
            name: "kubernetes",
            path: FilePath::Fixed(path.unwrap_or_else(|| KUBERNETES_SERVICE_ACCOUNT_TOKEN.into())),
        }
    }

    /// The file named by `AZURE_FEDERATED_TOKEN_FILE` (AKS workload identity).
    pub fn azure_federated_token() -> Self {
        File {
            name: "kubernetes",
            path: FilePath::InEnv("AZURE_FEDERATED_TOKEN_FILE"),
        }
    }

    /// The file named by `AWS_WEB_IDENTITY_TOKEN_FILE` (EKS IAM roles for service accounts).
    pub fn aws_web_identity_token() -> Self {
        File {
            name: "kubernetes",
            path: FilePath::InEnv("AWS_WEB_IDENTITY_TOKEN_FILE"),
        }
    }

    fn resolve(&self) -> Result<PathBuf> {
        match &self.path {
            FilePath::Fixed(path) => Ok(path.clone()),
            FilePath::InEnv(variable) => match std::env::var(variable) {
                Ok(path) if !path.trim().is_empty() => Ok(PathBuf::from(path.trim())),
                _ => Err(Error::source(self.name, format!("{variable} is not set"))),
            },
        }
    }
}

impl SubjectTokenSource for File {
    fn name(&self) -> &str {
        self.name
    }

    fn describe(&self) -> Description {
        match (&self.path, self.name) {
            (FilePath::InEnv("AZURE_FEDERATED_TOKEN_FILE"), _) => {
                Description::new("Kubernetes").constructor("azure_federated_token")
            }
            (FilePath::InEnv(_), _) => {
                Description::new("Kubernetes").constructor("aws_web_identity_token")
            }
            (FilePath::Fixed(path), "kubernetes") => {
                let description = Description::new("Kubernetes");
                if path.as_os_str() == KUBERNETES_SERVICE_ACCOUNT_TOKEN {
                    description
                } else {
                    description.positional("path", Shown::Text(path.display().to_string()))
                }
            }
            (FilePath::Fixed(path), _) => {
                Description::new("File").positional("path", Shown::Text(path.display().to_string()))
            }
        }
    }

    fn subject_token<'a>(&'a self, _: &'a SourceContext) -> BoxFuture<'a, Result<SubjectToken>> {
        Box::pin(async move {
            let path = self.resolve()?;
            let what = format!("file {}", path.display());
            let fail = |message: String| Error::source(self.name(), message);
            let read = tokio::task::spawn_blocking(move || read_capped(&path));
            let bytes = match tokio::time::timeout(READ_TIMEOUT, read).await {
                Err(_elapsed) => Err(fail(format!(
                    "reading {what} did not finish within {READ_TIMEOUT:?}"
                ))),
                Ok(Err(join)) => Err(fail(format!("reading {what} failed: {join}"))),
                Ok(Ok(Err(ReadError::NotRegular(kind)))) => Err(fail(format!(
                    "{what} is {kind}, not a regular file; a token file must be one \
                     (a symlink to one is followed)"
                ))),
                Ok(Ok(Err(ReadError::Io(err)))) => Err(Error::source_with_cause(
                    self.name(),
                    format!("cannot read {what}: {err}"),
                    err,
                )),
                Ok(Ok(Ok(bytes))) => Ok(bytes),
            }?;
            one_jwt(self.name(), &what, &bytes)
        })
    }
}

/// Why a token file could not be read.
#[derive(Debug)]
enum ReadError {
    /// The path (after symlinks) is not a regular file; says what it is instead.
    NotRegular(&'static str),
    /// Opening or reading failed.
    Io(std::io::Error),
}

impl From<std::io::Error> for ReadError {
    fn from(err: std::io::Error) -> Self {
        ReadError::Io(err)
    }
}

/// Reads at most [`MAX_JWT_BYTES`] + 1 bytes of `path`, which must be a regular file both before
/// it is opened (so a FIFO without a writer is never opened) and once it is open.
fn read_capped(path: &Path) -> std::result::Result<Vec<u8>, ReadError> {
    regular(&std::fs::metadata(path)?)?;
    let file = std::fs::File::open(path)?;
    regular(&file.metadata()?)?;
    let mut bytes = Vec::new();
    file.take(MAX_JWT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Refuses what is not a regular file, saying what it is.
fn regular(metadata: &Metadata) -> std::result::Result<(), ReadError> {
    let kind = metadata.file_type();
    if kind.is_file() {
        return Ok(());
    }
    if kind.is_dir() {
        return Err(ReadError::NotRegular("a directory"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Err(ReadError::NotRegular("a FIFO (named pipe)"));
        }
        if kind.is_socket() {
            return Err(ReadError::NotRegular("a socket"));
        }
        if kind.is_char_device() || kind.is_block_device() {
            return Err(ReadError::NotRegular("a device"));
        }
    }
    Err(ReadError::NotRegular("something else"))
}
