//! Integration tests: dbfed against the testkit's fake IdP and fake Databricks, over real HTTP.

mod azure;
mod cache;
mod ci_sources;
mod common;
mod config;
mod discovery;
mod exchange;
mod fault_matrix;
mod options_cases;
mod retry;
mod security;
mod sources;
mod time_extremes;
mod users;
