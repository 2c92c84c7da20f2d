// swift-tools-version:5.9
// The Swift package of dbfed (macOS 12+, iOS 15+): the Swift API uniffi generates from the
// dbfed_uniffi library (target Dbfed) over that library, built as a static library per platform
// into an xcframework (binary target DbfedFFI). Its files live in bindings/uniffi/swift/.
//
// This manifest is at the repository root, not in bindings/uniffi/swift/, because SwiftPM reads a
// package's manifest only from the root of the repository a project depends on by URL; a manifest
// elsewhere could serve local builds and tests but no consumer.
//
// Both Dbfed.swift and DbfedFFI.xcframework are generated, and git-ignored: run
// bindings/uniffi/swift/build-xcframework.sh (macOS) before `swift build` or `swift test` (the
// tests need DBFED_TESTKIT, the path of the dbfed-testkit binary). A release publishes the
// xcframework zipped; the script's --url writes the release variant of this manifest, in which
// DbfedFFI is `url:` + `checksum:` instead of the local `path:` below (the script finds it by that
// exact path, so keep the line as it is).
import PackageDescription

let package = Package(
    name: "Dbfed",
    platforms: [.macOS(.v12), .iOS(.v15)],
    products: [
        .library(name: "Dbfed", targets: ["Dbfed"]),
    ],
    targets: [
        // The Swift API (Credential, CredentialConfig, sourceFixed(jwt:), DbfedError, ...).
        .target(
            name: "Dbfed",
            dependencies: ["DbfedFFI"],
            path: "bindings/uniffi/swift/Sources/Dbfed",
            // What the Rust static library needs from the system (rustls' platform verifier: the
            // Security framework; Rust's libc: iconv).
            linkerSettings: [
                .linkedFramework("Security"),
                .linkedFramework("CoreFoundation"),
                .linkedLibrary("iconv"),
            ]
        ),
        // libdbfed_uniffi.a for macOS (universal), iOS and the iOS simulator, with DbfedFFI.h and
        // its module map.
        .binaryTarget(name: "DbfedFFI", path: "bindings/uniffi/swift/DbfedFFI.xcframework"),
        .testTarget(
            name: "DbfedTests",
            dependencies: ["Dbfed"],
            path: "bindings/uniffi/swift/Tests/DbfedTests"
        ),
    ]
)
