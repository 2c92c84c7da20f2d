//! Discovery: a host-metadata body (`/.well-known/databricks-config`) and an RFC 8414 document,
//! separated by a NUL byte (without one, the input is both). A token endpoint found must be
//! https, or http to loopback.
#![no_main]

use dbfed::fuzzing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (metadata, document) = match data.iter().position(|&byte| byte == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, data),
    };
    match fuzzing::discovery(metadata, document) {
        Ok(endpoint) => assert!(
            endpoint.starts_with("https://") || endpoint.starts_with("http://"),
            "{endpoint:?}"
        ),
        Err(err) => {
            let _ = (err.to_string(), format!("{err:?}"), err.kind());
        }
    }
});
