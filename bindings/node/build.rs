//! Linker settings for a Node.js addon (symbols resolved by the host process).

fn main() {
    napi_build::setup();
}
