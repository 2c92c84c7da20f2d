//! Integration tests of the testkit over HTTP. One test binary, several modules.

mod binary;
mod control;
mod entra;
mod exchange;
mod faults;
mod support;
