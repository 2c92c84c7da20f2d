//! A JWT read from an environment variable at every exchange.

use futures::future::BoxFuture;

use super::{SourceContext, SubjectTokenSource, one_jwt};
use crate::error::{Error, Result};
use crate::options::{Description, Shown};
use crate::token::SubjectToken;

/// Reads the JWT from an environment variable, anew at every exchange.
#[derive(Clone, Debug)]
pub struct EnvVar {
    name: String,
}

impl EnvVar {
    /// A source that reads the variable `name`.
    pub fn new(name: impl Into<String>) -> Self {
        EnvVar { name: name.into() }
    }

    /// The variable's name.
    pub fn var_name(&self) -> &str {
        &self.name
    }
}

impl SubjectTokenSource for EnvVar {
    fn name(&self) -> &str {
        "env"
    }

    fn describe(&self) -> Description {
        Description::new("EnvVar").positional("name", Shown::Text(self.name.clone()))
    }

    fn subject_token<'a>(&'a self, _: &'a SourceContext) -> BoxFuture<'a, Result<SubjectToken>> {
        Box::pin(async move {
            let what = format!("environment variable {}", self.name);
            match std::env::var(&self.name) {
                Ok(value) => one_jwt(self.name(), &what, value.as_bytes()),
                Err(std::env::VarError::NotPresent) => {
                    Err(Error::source(self.name(), format!("{what} is not set")))
                }
                Err(std::env::VarError::NotUnicode(_)) => Err(Error::source(
                    self.name(),
                    format!("{what} is not valid UTF-8"),
                )),
            }
        })
    }
}
