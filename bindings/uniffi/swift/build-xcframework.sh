#!/usr/bin/env bash
# Builds the binary half of the Swift package, on macOS: libdbfed_uniffi.a (release profile) for
# macOS (arm64 and x86_64, one universal library), iOS and the iOS simulator (arm64), assembled as
# DbfedFFI.xcframework beside this script, and the Swift sources uniffi generates from the library
# (Sources/Dbfed/Dbfed.swift), which the repository's Package.swift builds and `swift test` tests.
# Then, in target/swift/dist/: the xcframework zipped, its checksum (sha256sum format; SwiftPM's
# checksum is the same hex digest) and, with --url, the release Package.swift, whose DbfedFFI comes
# from that URL with that checksum, beside the Dbfed.swift it goes with.
#   bindings/uniffi/swift/build-xcframework.sh [--no-ios] [--url URL-of-the-zip]
set -euo pipefail
cd "$(dirname "$0")/../../.."
source scripts/lib.sh

ios=true
url=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-ios) ios=false ;;
    --url)
      url=${2:-}
      [ -n "$url" ] || { echo "--url needs the URL the zip is published at" >&2; exit 2; }
      shift
      ;;
    *) echo "usage: $0 [--no-ios] [--url URL-of-the-zip]" >&2; exit 2 ;;
  esac
  shift
done
if [ "$(uname -s)" != Darwin ]; then
  echo "$0 builds Apple libraries: it runs on macOS only (Xcode's xcodebuild and lipo)" >&2
  exit 1
fi

readonly SWIFT_DIR=bindings/uniffi/swift OUT=target/swift
readonly XCFRAMEWORK="$SWIFT_DIR/DbfedFFI.xcframework" ZIP="$OUT/dist/DbfedFFI.xcframework.zip"
# The oldest systems of Package.swift's `platforms`, for the Rust and C objects too.
export MACOSX_DEPLOYMENT_TARGET=12.0 IPHONEOS_DEPLOYMENT_TARGET=15.0

targets=(aarch64-apple-darwin x86_64-apple-darwin)
if $ios; then
  targets+=(aarch64-apple-ios aarch64-apple-ios-sim)
fi
if command -v rustup >/dev/null 2>&1; then
  rustup target add "${targets[@]}"
fi
step "libdbfed_uniffi.a, release profile: ${targets[*]}"
target_args=()
for target in "${targets[@]}"; do
  target_args+=(--target "$target")
done
cargo build --locked --release -p dbfed-uniffi "${target_args[@]}"

step "macOS: one universal library (arm64, x86_64)"
mkdir -p "$OUT/macos"
lipo -create -output "$OUT/macos/libdbfed_uniffi.a" \
  target/aarch64-apple-darwin/release/libdbfed_uniffi.a target/x86_64-apple-darwin/release/libdbfed_uniffi.a
lipo -info "$OUT/macos/libdbfed_uniffi.a"

# Dbfed.swift (the API), DbfedFFI.h and DbfedFFI.modulemap (the C module it imports).
step "Swift sources (uniffi-bindgen, library mode)"
rm -rf "$OUT/generated" "$OUT/headers"
cargo run --quiet --locked -p dbfed-uniffi-bindgen -- generate \
  --library target/aarch64-apple-darwin/release/libdbfed_uniffi.dylib \
  --language swift --out-dir "$OUT/generated" --no-format
mkdir -p "$OUT/headers" "$SWIFT_DIR/Sources/Dbfed"
cp "$OUT/generated/DbfedFFI.h" "$OUT/headers/"
cp "$OUT/generated/DbfedFFI.modulemap" "$OUT/headers/module.modulemap"
cp "$OUT/generated/Dbfed.swift" "$SWIFT_DIR/Sources/Dbfed/"

step "DbfedFFI.xcframework"
libraries=(-library "$OUT/macos/libdbfed_uniffi.a" -headers "$OUT/headers")
if $ios; then
  libraries+=(-library target/aarch64-apple-ios/release/libdbfed_uniffi.a -headers "$OUT/headers")
  libraries+=(-library target/aarch64-apple-ios-sim/release/libdbfed_uniffi.a -headers "$OUT/headers")
fi
rm -rf "$XCFRAMEWORK"
xcodebuild -create-xcframework "${libraries[@]}" -output "$XCFRAMEWORK"

step "the zip, its checksum$([ -n "$url" ] && echo ', the release Package.swift')"
rm -rf "$OUT/dist"
mkdir -p "$OUT/dist"
ditto -c -k --sequesterRsrc --keepParent "$XCFRAMEWORK" "$ZIP"
checksum=$(swift package compute-checksum "$ZIP")
if [ "$checksum" != "$(shasum -a 256 "$ZIP" | cut -d' ' -f1)" ]; then
  echo "swift package compute-checksum ($checksum) is not the zip's SHA-256" >&2
  exit 1
fi
(cd "$OUT/dist" && shasum -a 256 DbfedFFI.xcframework.zip >DbfedFFI.xcframework.zip.sha256)
if [ -n "$url" ]; then
  # The repository's Package.swift with the local xcframework replaced by the published zip.
  sed "s#path: \"$XCFRAMEWORK\"#url: \"$url\", checksum: \"$checksum\"#" Package.swift >"$OUT/dist/Package.swift"
  if ! grep -qF "checksum: \"$checksum\"" "$OUT/dist/Package.swift"; then
    echo "Package.swift has no binaryTarget with path: \"$XCFRAMEWORK\" to replace" >&2
    exit 1
  fi
  cp "$SWIFT_DIR/Sources/Dbfed/Dbfed.swift" "$OUT/dist/"
fi
(cd "$OUT/dist" && ls -l)
