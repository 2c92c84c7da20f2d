# Helpers shared by scripts/demo and scripts/test.

step() { printf '\n==> %s\n' "$*"; }

# Rust comes from rustup; rustfmt and clippy are components of it.
ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    echo "dbfed needs Rust (cargo): install it with rustup, https://rustup.rs" >&2
    exit 1
  fi
  for component in rustfmt clippy; do
    if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
      rustup component add "$component"
    fi
  done
}
