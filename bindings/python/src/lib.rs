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
mod keywords;
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

/// Adds each class listed to `module`.
macro_rules! add_classes {
    ($module:ident: $($class:path),+ $(,)?) => {
        $($module.add_class::<$class>()?;)+
    };
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    logging::install(module.py())?;
    at_exit::register(module.py())?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    add_classes!(module:
        credential::Credential, token::AccessToken, token::Stats, endpoints::Endpoints,
        options::RetryPolicy, diagnosis::FederationPolicy,
    );
    module.add_function(wrap_pyfunction!(diagnosis::diagnose, module)?)?;
    add_classes!(module:
        sources::Source, sources::Fixed, sources::EnvVar, sources::File, sources::Kubernetes,
        sources::GitHubActions, sources::AzureDevOps, sources::GitLab, sources::CircleCI,
        sources::Bitbucket, sources::Terraform, sources::GcpMetadata,
        sources::OidcClientCredentials, sources::Command, sources::Callback, sources::Chain,
        sources::SourceContext,
    );
    module.add_function(wrap_pyfunction!(runtime::_after_fork_in_child, module)?)?;
    module.add_function(wrap_pyfunction!(panics::_panic_for_tests, module)?)?;
    // Acting for signed-in users; Azure Databricks with Entra tokens.
    add_classes!(module:
        users::UserTokens, users::UserExchanger, users::UserStats,
        azure::AzureCredential, azure::AzureOnBehalfOf,
    );
    Ok(())
}
