//! `uniffi-bindgen`, pinned to the workspace's uniffi: generates the Kotlin and Swift sources of
//! dbfed from the built `dbfed_uniffi` library (library mode), e.g.
//! `cargo run -p dbfed-uniffi-bindgen -- generate --library target/debug/libdbfed_uniffi.so --language kotlin --out-dir target/bindings/kotlin`.
//!
//! One addition to uniffi's Kotlin: the library's loading (`UniffiLib`'s `init`) ends by calling
//! the package's hand-written `Slf4jForwarding.install()`, so that dbfed's log records reach SLF4J
//! from the first call on, with nothing for the application to do.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The generated Kotlin file, under `--out-dir`.
const KOTLIN_FILE: &str = "io/github/dbfed/dbfed_uniffi.kt";
/// Where the library's loading starts: the `object` whose `init` registers the native functions.
const LOADING_OBJECT: &str = "internal object UniffiLib {";
/// The end of that `init` (the first line closing a block at its depth after it starts).
const INIT_END: &str = "\n    }\n";
/// The call added at the end of that `init`.
const INSTALL_CALL: &str = "        Slf4jForwarding.install()\n";

fn main() -> ExitCode {
    uniffi::uniffi_bindgen_main();
    let Some(out_dir) = out_dir(std::env::args()) else {
        return ExitCode::SUCCESS;
    };
    let kotlin = out_dir.join(KOTLIN_FILE);
    if !kotlin.exists() {
        return ExitCode::SUCCESS;
    }
    match install_logging(&kotlin) {
        Ok(()) => ExitCode::SUCCESS,
        Err(reason) => {
            eprintln!("{}: {reason}", kotlin.display());
            ExitCode::FAILURE
        }
    }
}

/// The value of `--out-dir` (or `-o`) among the arguments of `generate`.
fn out_dir(args: impl Iterator<Item = String>) -> Option<PathBuf> {
    let mut args = args.skip(1);
    while let Some(arg) = args.next() {
        if let Some(value) = arg.strip_prefix("--out-dir=") {
            return Some(value.into());
        }
        if arg == "--out-dir" || arg == "-o" {
            return args.next().map(Into::into);
        }
    }
    None
}

/// Adds [`INSTALL_CALL`] at the end of the loading object's `init` in the file at `path`.
fn install_logging(path: &Path) -> Result<(), String> {
    let source = std::fs::read_to_string(path).map_err(|err| err.to_string())?;
    let patched = with_install_call(&source)?;
    std::fs::write(path, patched).map_err(|err| err.to_string())
}

/// `source` with [`INSTALL_CALL`] at the end of the loading object's `init` (once).
fn with_install_call(source: &str) -> Result<String, String> {
    if source.contains(INSTALL_CALL) {
        return Ok(source.to_owned());
    }
    let object = source
        .find(LOADING_OBJECT)
        .ok_or("uniffi's Kotlin has no `internal object UniffiLib`: update the bindgen")?;
    let init = object
        + source[object..]
            .find("    init {\n")
            .ok_or("uniffi's `UniffiLib` has no `init` block: update the bindgen")?;
    let end = init
        + source[init..]
            .find(INIT_END)
            .ok_or("uniffi's `UniffiLib.init` has no end: update the bindgen")?
        + 1;
    let (head, tail) = source.split_at(end);
    Ok(format!("{head}{INSTALL_CALL}{tail}"))
}
