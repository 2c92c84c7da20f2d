// The Swift package against the testkit: a fixed JWT exchanged for a token the API accepts, and a
// refused exchange thrown as DbfedError.Rejected.
import Dbfed
import Foundation
import XCTest

/// The service principal the tests' federation policy is for.
private let clientId = "5c2a0e2b-0000-4d6e-8f00-5e7b1ce0c11d"
/// The subject of its JWTs.
private let subject = "repo:acme/deploy:ref:refs/heads/main"

final class DbfedTests: XCTestCase {
    private var kit: Testkit!

    override func setUpWithError() throws {
        kit = try Testkit.start()
    }

    override func tearDown() {
        kit?.stop()
        kit = nil
        super.tearDown()
    }

    /// A workload-identity credential for the testkit's workspace, without retries.
    private func makeCredential(jwt: String) throws -> Credential {
        let config = CredentialConfig(
            host: kit.url,
            clientId: clientId,
            network: NetworkSettings(retry: RetryPolicy(maxAttempts: 1))
        )
        return try Credential(config: config, source: sourceFixed(jwt: jwt))
    }

    func testAFixedJwtIsExchangedForATokenTheApiAccepts() async throws {
        try await kit.addPolicy(clientId: clientId, audiences: [kit.accountId], subject: subject)
        let jwt = try await kit.mint(sub: subject, aud: [kit.accountId])
        let credential = try makeCredential(jwt: jwt)

        let token = try await credential.token()

        XCTAssertEqual(token.tokenType(), "Bearer")
        XCTAssertEqual(token.authorizationHeader(), "Bearer \(token.token())")
        let status = try await kit.me(authorization: "Bearer \(token.token())")
        XCTAssertEqual(status, 200)
        // The blocking variant gets the cached token.
        XCTAssertEqual(try credential.tokenBlocking().token(), token.token())
    }

    func testARefusedExchangeThrowsRejected() async throws {
        try await kit.addPolicy(clientId: clientId, audiences: [kit.accountId], subject: subject)
        let wrongSubject = try await kit.mint(sub: "repo:acme/other:ref:refs/heads/main", aud: [kit.accountId])
        let credential = try makeCredential(jwt: wrongSubject)

        do {
            _ = try await credential.token()
            XCTFail("a JWT with the wrong subject was exchanged")
        } catch let DbfedError.Rejected(reason, status, code, description, _, _, _) {
            XCTAssertEqual(status, 400)
            XCTAssertEqual(code, "invalid_grant")
            let explanation = try XCTUnwrap(description, "the server's error_description")
            XCTAssertTrue(explanation.contains("does not match federation policy subject"), explanation)
            XCTAssertFalse(reason.isEmpty)
        }
    }
}

struct TestkitError: Error, CustomStringConvertible {
    let description: String
}

/// A `dbfed-testkit serve` process (the binary at DBFED_TESTKIT) and its control API under
/// `/_testkit/`: a fake identity provider and a fake Databricks workspace.
final class Testkit {
    let url: String
    let issuer: String
    let accountId: String
    private let process: Process

    private init(process: Process, url: String, issuer: String, accountId: String) {
        self.process = process
        self.url = url
        self.issuer = issuer
        self.accountId = accountId
    }

    /// Starts the server and reads the JSON line it prints first (its URL, issuer, account id, ...).
    static func start() throws -> Testkit {
        guard let path = ProcessInfo.processInfo.environment["DBFED_TESTKIT"], !path.isEmpty else {
            throw TestkitError(description:
                "DBFED_TESTKIT names no dbfed-testkit binary: build it with `cargo build --locked -p dbfed-testkit` "
                    + "and set DBFED_TESTKIT=target/debug/dbfed-testkit")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["serve"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = firstLine(of: output.fileHandleForReading)
        guard let data = line?.data(using: .utf8),
              let info = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let url = info["url"] as? String,
              let issuer = info["issuer"] as? String,
              let accountId = info["account_id"] as? String
        else {
            process.terminate()
            throw TestkitError(description: "dbfed-testkit printed no JSON line with url, issuer and account_id: \(line ?? "nothing")")
        }
        return Testkit(process: process, url: url, issuer: issuer, accountId: accountId)
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// Adds a federation policy for the fake identity provider's issuer.
    func addPolicy(clientId: String, audiences: [String], subject: String) async throws {
        _ = try await post("/_testkit/policies", [
            "issuer": issuer,
            "client_id": clientId,
            "audiences": audiences,
            "subject": subject,
        ])
    }

    /// A JWT signed by the fake identity provider.
    func mint(sub: String, aud: [String]) async throws -> String {
        let answer = try await post("/_testkit/mint", ["sub": sub, "aud": aud])
        guard let jwt = answer["jwt"] as? String else {
            throw TestkitError(description: "testkit mint: no jwt in \(answer)")
        }
        return jwt
    }

    /// The HTTP status of the protected SCIM `Me` API called with `authorization`.
    func me(authorization: String) async throws -> Int {
        var request = try URLRequest(url: endpoint("/api/2.0/preview/scim/v2/Me"))
        request.setValue(authorization, forHTTPHeaderField: "Authorization")
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    /// POSTs `body` as JSON to the control API; the JSON object answered (empty for no body).
    private func post(_ path: String, _ body: [String: Any]) async throws -> [String: Any] {
        var request = try URLRequest(url: endpoint(path))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw TestkitError(description: "testkit POST \(path): HTTP \(status) \(String(decoding: data, as: UTF8.self))")
        }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    private func endpoint(_ path: String) throws -> URL {
        guard let endpoint = URL(string: self.url + path) else {
            throw TestkitError(description: "not a URL: \(self.url)\(path)")
        }
        return endpoint
    }

    /// The first line read from `handle` (without its newline), or what came before the end.
    private static func firstLine(of handle: FileHandle) -> String? {
        var bytes = Data()
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty {
                break
            }
            bytes.append(chunk)
            if let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) {
                return String(decoding: bytes[bytes.startIndex..<newline], as: UTF8.self)
            }
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }
}
