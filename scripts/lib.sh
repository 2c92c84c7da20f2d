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

# cargo-deny, pinned, for `cargo deny check` (scripts/test); installed with `cargo install` only
# when that version is not already on PATH (a cold install compiles it: minutes on two cores).
ensure_cargo_deny() {
  local version=0.20.2
  if [ "$(cargo deny --version 2>/dev/null)" != "cargo-deny $version" ]; then
    cargo install cargo-deny --locked --version "$version"
  fi
}

# The Python dev/test venv at .venv, with python/requirements-dev.txt installed (reinstalled
# only when that file changes); activated for the rest of the script.
ensure_python_venv() {
  local requirements=python/requirements-dev.txt
  local stamp=.venv/.requirements.sha256
  local wanted
  wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
    echo "$wanted" >"$stamp"
  fi
  export VIRTUAL_ENV="$PWD/.venv"
  export PATH="$VIRTUAL_ENV/bin:$PATH"
}

# node/node_modules from node/package-lock.json (`npm ci`, again only when the lock changes).
ensure_node_modules() {
  if ! command -v npm >/dev/null 2>&1; then
    echo "the Node.js package needs Node.js ≥ 20.17 and npm: https://nodejs.org" >&2
    exit 1
  fi
  local stamp=node/node_modules/.package-lock.sha256
  local wanted
  wanted=$(sha256sum node/package-lock.json | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    (cd node && npm ci --no-audit --no-fund --loglevel=error)
    echo "$wanted" >"$stamp"
  fi
}

# tests/node-types compiled by tsc against a copy of the package's declarations alone, in a folder
# of its own (target/node-types): no client library, @types/node or DOM library to lean on.
check_node_types_without_clients() {
  local project=target/node-types
  rm -rf "$project" && mkdir -p "$project/node_modules/dbfed/integrations"
  cp tests/node-types/tsconfig.json tests/node-types/integrations.ts "$project/"
  cp node/package.json node/index.d.ts "$project/node_modules/dbfed/"
  cp node/integrations/*.d.ts "$project/node_modules/dbfed/integrations/"
  node/node_modules/.bin/tsc -p "$project/tsconfig.json"
}

# `node --test` over node/test/*.test.mjs; fails when a test fails, and also when none ran or a
# file ran none (node reports such a file as one passing test named after the file).
run_node_tests() {
  local tap=target/node-tests.tap
  (cd node && node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="../$tap" test/*.test.mjs)
  if ! grep -Eq '^# pass [1-9]' "$tap" || grep -Eq '^(not )?ok [0-9]+ - .*\.test\.mjs$' "$tap"; then
    echo "node --test: no tests ran, or a test file has none ($tap)" >&2
    exit 1
  fi
}

# Java 17+ and Maven, for the JVM package's tests (the machine image has both).
ensure_maven() {
  if ! command -v mvn >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
    echo "the JVM tests need Java 17+ and Maven (Debian: apt-get install openjdk-17-jdk-headless maven)" >&2
    exit 1
  fi
}

# "N passed, N failed" from the Surefire reports in $1 (mvn -q prints no summary of its own).
surefire_summary() {
  local tests=0 failed=0 skipped=0 report
  for report in "$1"/TEST-*.xml; do
    tests=$((tests + $(surefire_count tests "$report")))
    failed=$((failed + $(surefire_count failures "$report") + $(surefire_count errors "$report")))
    skipped=$((skipped + $(surefire_count skipped "$report")))
  done
  echo "jvm: $((tests - failed - skipped)) passed, $failed failed, $skipped skipped"
}

# The number in attribute $1 of the <testsuite> element of the Surefire report $2.
surefire_count() { sed -n "s/.*<testsuite [^>]* $1=\"\([0-9]*\)\".*/\1/p" "$2" | head -n 1; }

# The workspace's version ([workspace.package] of Cargo.toml), which every package carries.
workspace_version() {
  sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml
}

# Fails unless the npm package and the pom carry version $1 too (the crates and the wheel take
# theirs from the workspace).
check_versions_agree() {
  local npm pom
  npm=$(node -p "require('./node/package.json').version")
  pom=$(sed -n '0,/<version>/s#.*<version>\(.*\)</version>.*#\1#p' bindings/uniffi/kotlin/pom.xml)
  if [ "$npm" != "$1" ] || [ "$pom" != "$1" ]; then
    echo "versions disagree: workspace $1, node/package.json $npm, pom.xml $pom" >&2
    exit 1
  fi
}

# The release build's tools: zig (from PyPI's ziglang, as `zig` on PATH), maturin, auditwheel
# and twine in target/dist-tools/venv (scripts/package-requirements.txt), and cargo-zigbuild,
# pinned, compiled once by `cargo install` (about a minute).
ensure_packaging_tools() {
  local tools=target/dist-tools requirements=scripts/package-requirements.txt wanted
  wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [ "$(cat "$tools/venv/.requirements.sha256" 2>/dev/null)" != "$wanted" ]; then
    rm -rf "$tools/venv"
    python3 -m venv "$tools/venv"
    "$tools/venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    echo "$wanted" >"$tools/venv/.requirements.sha256"
  fi
  mkdir -p "$tools/bin"
  printf '#!/bin/sh\nexec "%s" -m ziglang "$@"\n' "$PWD/$tools/venv/bin/python" >"$tools/bin/zig"
  chmod +x "$tools/bin/zig"
  export PATH="$PWD/$tools/bin:$PWD/$tools/venv/bin:$PATH"
  local zigbuild=0.24.1
  if [ "$(cargo zigbuild --version 2>/dev/null)" != "cargo-zigbuild $zigbuild" ]; then
    cargo install cargo-zigbuild --locked --version "$zigbuild"
  fi
}

# Fails unless the archive $1 (zip, jar, wheel, .tgz, .tar.gz, .crate) holds every path $2….
check_archive_has() {
  local archive=$1 listing path
  shift
  listing=$(archive_listing "$archive")
  for path in "$@"; do
    grep -qxF "$path" <<<"$listing" || { echo "$archive lacks $path" >&2; exit 1; }
  done
}

# Fails if a path of the archive $1 matches the regular expression $2.
check_archive_lacks() {
  if archive_listing "$1" | grep -qE "$2"; then
    echo "$1 holds $(archive_listing "$1" | grep -E "$2" | head -n 1), which it must not" >&2
    exit 1
  fi
}

# The file paths in the archive $1.
archive_listing() {
  case "$1" in
    *.tgz | *.tar.gz | *.crate) tar -tzf "$1" ;;
    *) unzip -Z1 "$1" ;;
  esac
}

# Fails if an ELF file $2… needs a glibc symbol version newer than $1 (objdump -T).
check_glibc_floor() {
  local floor=$1 file newest
  shift
  for file in "$@"; do
    newest=$(objdump -T "$file" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
    if [ -z "$newest" ]; then
      echo "$file: no glibc symbols found (objdump -T)" >&2
      exit 1
    fi
    if [ "$(printf '%s\n%s\n' "$newest" "$floor" | sort -V | tail -n 1)" != "$floor" ]; then
      echo "$file needs GLIBC_$newest, newer than the floor $floor:" >&2
      objdump -T "$file" | grep -E "GLIBC_$newest\b" >&2
      exit 1
    fi
    echo "  $(basename "$file"): newest glibc symbol GLIBC_$newest"
  done
}
