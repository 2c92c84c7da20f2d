//! Azure Databricks with Microsoft Entra ID tokens, which it accepts directly (no Databricks
//! token exchange): for the service itself ([`AzureCredentialBuilder`]: client secret,
//! federated client assertion, managed identity) and on behalf of signed-in users
//! ([`AzureOnBehalfOf`]).

mod app;
mod credential;
mod imds;
mod obo;

use std::time::Duration;

pub use credential::AzureCredentialBuilder;
pub use obo::{AzureOnBehalfOf, AzureOnBehalfOfBuilder};

/// The Azure Databricks resource (first-party application) id: the audience of the Entra
/// tokens Azure Databricks accepts.
pub const AZURE_DATABRICKS_RESOURCE_ID: &str = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d";

/// The Entra authority host used when none is configured (Azure public cloud).
pub const DEFAULT_AUTHORITY_HOST: &str = "https://login.microsoftonline.com";

/// The audience a federated client assertion is requested for (Entra's default for
/// federated identity credentials).
pub const FEDERATED_TOKEN_AUDIENCE: &str = "api://AzureADTokenExchange";

/// The lifetime assumed if Entra or IMDS ever answered without `expires_in` or `expires_on`.
const ASSUMED_LIFETIME: Duration = Duration::from_secs(3600);
