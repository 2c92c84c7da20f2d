//! The native addon under the `dbfed` npm package (`node/`). Type conversion and error mapping
//! only; every behaviour lives in the `dbfed` crate. The package's JavaScript (`node/lib/`)
//! turns the options objects of its public classes into these calls and the plain errors made
//! here into its error classes.

mod credential;
mod diagnosis;
mod endpoints;
mod errors;
mod logging;
mod options;
mod panics;
mod runtime;
mod shown;
mod sources;
mod spelling;
mod token;
mod users;

// After `Credential` and `UserTokens`: the napi macro expands its `impl` blocks of theirs once it
// has seen the structs.
mod azure;
