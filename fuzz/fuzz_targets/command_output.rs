//! The Command source's reading of a program's standard output: a bare JWT or the
//! executable-source JSON (`{"version": 1, "success": true, "id_token": …}`).
#![no_main]

use dbfed::fuzzing;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let stdout = String::from_utf8_lossy(data);
    match fuzzing::command_output(&stdout) {
        Ok(token) => {
            assert!(!token.jwt().is_empty());
            if let Some(claims) = token.claims() {
                let _ = claims.expires_at();
            }
        }
        Err(err) => {
            let shown = err.to_string();
            assert!(!shown.chars().any(char::is_control), "{shown:?}");
            let _ = format!("{err:?}");
        }
    }
});
