//! `uniffi-bindgen`, pinned to the workspace's uniffi: generates the Kotlin and Swift sources of
//! dbfed from the built `dbfed_uniffi` library (library mode), e.g.
//! `cargo run -p dbfed-uniffi-bindgen -- generate --library target/debug/libdbfed_uniffi.so --language kotlin --out-dir target/bindings/kotlin`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
