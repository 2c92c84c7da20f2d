//! `dbfed._native`: the extension module under the `dbfed` Python package. Type conversion and
//! error mapping only; every behaviour lives in the `dbfed` crate.

mod at_exit;
mod azure;
mod coroutine;
mod credential;
mod datetime;
mod diagnosis;
mod endpoints;
mod errors;
mod logging;
mod options;
mod panics;
mod repr;
mod runtime;
mod sources;
mod thread_state;
mod token;
mod users;

use pyo3::prelude::*;

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    logging::install(module.py())?;
    at_exit::register(module.py())?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    module.add_class::<credential::Credential>()?;
    module.add_class::<token::AccessToken>()?;
    module.add_class::<token::Stats>()?;
    module.add_class::<endpoints::Endpoints>()?;
    module.add_class::<options::RetryPolicy>()?;
    module.add_class::<diagnosis::FederationPolicy>()?;
    module.add_function(wrap_pyfunction!(diagnosis::diagnose, module)?)?;
    module.add_class::<sources::Source>()?;
    module.add_class::<sources::Fixed>()?;
    module.add_class::<sources::EnvVar>()?;
    module.add_class::<sources::File>()?;
    module.add_class::<sources::Kubernetes>()?;
    module.add_class::<sources::GitHubActions>()?;
    module.add_class::<sources::AzureDevOps>()?;
    module.add_class::<sources::GitLab>()?;
    module.add_class::<sources::CircleCI>()?;
    module.add_class::<sources::Bitbucket>()?;
    module.add_class::<sources::Terraform>()?;
    module.add_class::<sources::GcpMetadata>()?;
    module.add_class::<sources::OidcClientCredentials>()?;
    module.add_class::<sources::Command>()?;
    module.add_class::<sources::Callback>()?;
    module.add_class::<sources::Chain>()?;
    module.add_class::<sources::SourceContext>()?;
    module.add_function(wrap_pyfunction!(runtime::_after_fork_in_child, module)?)?;
    module.add_function(wrap_pyfunction!(panics::_panic_for_tests, module)?)?;
    // Acting for signed-in users; Azure Databricks with Entra tokens.
    module.add_class::<users::UserTokens>()?;
    module.add_class::<users::UserExchanger>()?;
    module.add_class::<users::UserStats>()?;
    module.add_class::<azure::AzureCredential>()?;
    module.add_class::<azure::AzureOnBehalfOf>()?;
    Ok(())
}
