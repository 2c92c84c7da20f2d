//! A JWT given once, for tests and for callers that manage the JWT's lifetime themselves.

use futures::future::BoxFuture;

use super::{SourceContext, SubjectTokenSource, one_jwt};
use crate::error::Result;
use crate::options::{Description, Shown};
use crate::token::{Secret, SubjectToken};

/// Always returns the same JWT.
#[derive(Clone, Debug)]
pub struct Fixed {
    jwt: Secret,
}

impl Fixed {
    /// A source that returns `jwt` at every exchange.
    pub fn new(jwt: impl Into<Secret>) -> Self {
        Fixed { jwt: jwt.into() }
    }
}

impl SubjectTokenSource for Fixed {
    fn name(&self) -> &str {
        "fixed"
    }

    fn describe(&self) -> Description {
        Description::new("Fixed").positional("jwt", Shown::Withheld("redacted".into()))
    }

    fn subject_token<'a>(&'a self, _: &'a SourceContext) -> BoxFuture<'a, Result<SubjectToken>> {
        Box::pin(async move { one_jwt(self.name(), "the JWT", self.jwt.expose().as_bytes()) })
    }
}
