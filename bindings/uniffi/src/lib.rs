//! `dbfed_uniffi`: the library behind dbfed's Kotlin (JVM) and Swift packages, whose sources
//! uniffi generates from it (library mode). Type conversion, error mapping and runtime glue only:
//! the config records become the core's option values (`dbfed::options`), which the core checks;
//! what an object shows is the core's description of it, rendered once ([`shown`]).
//!
//! Async methods become Kotlin `suspend` functions (Swift `async`); each also has a blocking
//! twin for callers without coroutines. Both run on one Tokio runtime of this library
//! ([`runtime`]), the one every credential's background refreshes and connections use.
//!
//! The JVM package extends two of the generated classes (its `uniffi.toml` names them
//! `NativeCredential` and `NativeSource` in Kotlin): the factories of credentials and sources are
//! therefore free functions (`credential_from_env`, `source_fixed`, …), which its `Credential`
//! and `Source` call from static methods; and the per-request calls of a credential have a JNI
//! path of their own beside uniffi's JNA ([`jvm_fast_path`]).

// `DbfedError` is large (a refusal carries the server's every word), but it is the FFI contract:
// uniffi passes it by value into a buffer for the foreign exception, so boxing it gains nothing.
#![allow(clippy::result_large_err)]

mod azure;
mod credential;
mod diagnose;
mod endpoints;
mod error;
mod fetched;
mod jvm_fast_path;
mod logging;
mod options;
mod panics;
mod per_user;
mod runtime;
mod shown;
mod source;
mod token;
mod users;

pub use azure::{AzureCredentialConfig, AzureOnBehalfOf, AzureOnBehalfOfConfig, ClientSecret};
pub use credential::{Credential, CredentialConfig};
pub use diagnose::{FederationPolicy, Mismatch, MismatchKind, diagnose};
pub use endpoints::{AudienceOrigin, EndpointOrigin, Endpoints};
pub use error::DbfedError;
pub use fetched::OidcClientCredentialsConfig;
pub use logging::{LogForwarder, LogLevel, LogRecord, forward_logs};
pub use options::{NetworkSettings, RetryPolicy, UserCacheSettings};
pub use panics::{panic_for_tests, panic_for_tests_async};
pub use source::{CallbackBridge, CallbackReply, Source};
pub use token::{AccessToken, Stats, UserStats};
pub use users::UserExchanger;

uniffi::setup_scaffolding!();
