package io.github.dbfed

import com.sun.jna.Library
import com.sun.jna.Native
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.util.concurrent.TimeUnit
import org.json.JSONArray
import org.json.JSONObject

/** The service principal the ready-made policies are for. */
const val SP_CLIENT_ID = "5c2a0e2b-0000-4d6e-8f00-5e7b1ce0c11d"
/** The subject of the service principal's JWTs. */
const val SUBJECT = "repo:acme/deploy:ref:refs/heads/main"
/** The audience of the JWTs minted for the tests. */
const val AUDIENCE = "dbfed-tests"
/** A user, for account-wide federation. */
const val USER = "alice@example.com"
/** The bearer token the GitHub look-alike expects in `ACTIONS_ID_TOKEN_REQUEST_TOKEN`. */
const val GITHUB_REQUEST_TOKEN = "testkit-github-request-token"

// The Entra side of the Azure tests: the tenant, its app (with a secret and federated credentials),
// a managed identity, and two users.
const val TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"
const val APP = "5e7b2a31-2222-4333-8444-6f6f6f6f6f6f"
const val APP_SECRET = "entra-app-secret-value"
const val FEDERATED_SUBJECT = "repo:acme/api:environment:prod"
/** The subject of the JWTs the GitHub look-alike issues (the testkit's `ci_subject`). */
const val CI_SUBJECT = "repo:acme/pipelines:environment:prod"
const val MANAGED_IDENTITY = "0d1e5a77-3333-4444-8555-7a7a7a7a7a7a"
const val AZURE_DATABRICKS = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d"
const val FEDERATED_AUDIENCE = "api://AzureADTokenExchange"
const val ALICE = "alice@contoso.com"
const val BOB = "bob@contoso.com"

/**
 * A client of the `dbfed-testkit serve` binary (system property `dbfed.testkit`, set by the
 * pom): one server for the whole test run, started on first use and stopped when the JVM exits;
 * its control API under `/_testkit/`. A port of `python/tests/testkit.py`. With the system
 * property `dbfed.testkit.info` (the line [info] a running server printed, as the benchmark
 * passes it to its forked JVMs) it talks to that server instead of starting one.
 */
object Testkit {
    private val http: HttpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
    private val info: JSONObject by lazy {
        System.getProperty("dbfed.testkit.info")?.let { JSONObject(it) } ?: start()
    }

    /** What the server printed when it started (its addresses and identifiers), as JSON. */
    val infoLine: String get() = info.toString()

    val url: String get() = info.getString("url")
    val issuer: String get() = info.getString("issuer")
    val accountId: String get() = info.getString("account_id")
    val workspaceTokenEndpoint: String get() = info.getString("workspace_token_endpoint")
    /** The fake Entra's authority host (`{url}/entra`), for `authorityHost`. */
    val entraAuthority: String get() = info.getString("entra_authority")
    /** The fake IMDS token endpoint, for `imdsEndpoint`. */
    val imdsEndpoint: String get() = info.getString("imds_endpoint")

    /** `ACTIONS_ID_TOKEN_REQUEST_URL` for the GitHub look-alike. */
    val githubRequestUrl: String get() = "$url/ci/github/token?api-version=2.0"

    private fun start(): JSONObject {
        val binary = File(System.getProperty("dbfed.testkit") ?: "../../../target/debug/dbfed-testkit")
        check(binary.canExecute()) { "no testkit binary at $binary: run `cargo build -p dbfed-testkit`" }
        val process = ProcessBuilder(binary.path, "serve")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start()
        Runtime.getRuntime().addShutdownHook(Thread {
            process.destroy()
            process.waitFor(10, TimeUnit.SECONDS)
        })
        val line = process.inputStream.bufferedReader().readLine()
            ?: error("dbfed-testkit exited without printing its address")
        return JSONObject(line)
    }

    private fun call(method: String, path: String, body: Any? = null): String {
        val request = HttpRequest.newBuilder(URI.create(url + path))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .method(method, body?.let { HttpRequest.BodyPublishers.ofString(it.toString()) } ?: HttpRequest.BodyPublishers.noBody())
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        check(response.statusCode() < 300) { "testkit $method $path: HTTP ${response.statusCode()} ${response.body()}" }
        return response.body()
    }

    /**
     * Forgets policies, faults, counters and issued tokens. Sent without a body: the server does
     * not read one here, and closes a connection whose request body it left unread, which would
     * make the next request on that (pooled) connection fail.
     */
    fun reset() {
        call("POST", "/_testkit/reset")
    }

    /** A JWT signed by the fake IdP (fields of the testkit's MintRequest). */
    fun mint(sub: String, aud: List<String>, vararg more: Pair<String, Any>): String {
        val claims = JSONObject(mapOf("sub" to sub, "aud" to aud) + more)
        return JSONObject(call("POST", "/_testkit/mint", claims)).getString("jwt")
    }

    /** Adds a federation policy for the fake IdP's issuer; `clientId` null = account-wide. */
    fun addPolicy(clientId: String?, audiences: List<String> = emptyList(), subject: String? = null) {
        val policy = JSONObject()
            .put("issuer", issuer)
            .put("client_id", clientId ?: JSONObject.NULL)
            .put("audiences", JSONArray(audiences))
            .put("subject", subject ?: JSONObject.NULL)
        call("POST", "/_testkit/policies", policy)
    }

    /** Makes the next matching request(s) fail as described (fields of the testkit's Fault). */
    fun inject(vararg fault: Pair<String, Any>) {
        call("POST", "/_testkit/faults", JSONObject(mapOf(*fault)))
    }

    /** Changes the testkit's settings (e.g. `host_type` to `account`). */
    fun settings(vararg changes: Pair<String, Any>) {
        call("POST", "/_testkit/settings", JSONObject(mapOf(*changes)))
    }

    /** The testkit's counters: `exchanges`, `successes`, `ci_token_requests`, … */
    fun counters(): Map<String, Long> {
        val counters = JSONObject(call("GET", "/_testkit/counters"))
        return counters.keySet().associateWith { counters.getLong(it) }
    }

    /** The token-endpoint requests received, as the client sent them. */
    fun exchanges(): JSONArray = JSONArray(call("GET", "/_testkit/exchanges"))

    /** The form of the `index`th exchange request, as a map. */
    fun exchangeForm(index: Int = 0): Map<String, String> {
        val form = exchanges().getJSONObject(index).getJSONArray("form")
        return (0 until form.length()).associate { form.getJSONArray(it).getString(0) to form.getJSONArray(it).getString(1) }
    }

    /** Calls the protected SCIM `Me` API: its status and the `userName` it answered with. */
    fun me(authorization: String): Pair<Int, String?> {
        val request = HttpRequest.newBuilder(URI.create("$url/api/2.0/preview/scim/v2/Me"))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", authorization)
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        return response.statusCode() to JSONObject(response.body()).optString("userName", null)
    }

    /** Registers an application in a tenant of the fake Entra (fields of the testkit's `EntraApp`). */
    fun addEntraApp(vararg app: Pair<String, Any>) {
        call("POST", "/_testkit/entra/apps", JSONObject(mapOf(*app)))
    }

    /** Registers a managed identity the fake IMDS hands tokens for (`ManagedIdentity`). */
    fun addManagedIdentity(vararg identity: Pair<String, Any>) {
        call("POST", "/_testkit/entra/managed_identities", JSONObject(mapOf(*identity)))
    }

    /** A signed-in user's Entra access token, as a front end passes it on (`EntraUserToken`). */
    fun mintEntraUserToken(vararg request: Pair<String, Any>): String =
        JSONObject(call("POST", "/_testkit/entra/user_tokens", JSONObject(mapOf(*request)))).getString("access_token")

    /** The requests the fake Entra and IMDS received, as sent (method, path, query, form). */
    fun entraRequests(): JSONArray = JSONArray(call("GET", "/_testkit/entra/requests"))

    /** The form (or, for IMDS, the query) of the `index`th Entra request, as ordered pairs. */
    fun entraFields(index: Int, field: String = "form"): List<Pair<String, String>> {
        val pairs = entraRequests().getJSONObject(index).getJSONArray(field)
        return (0 until pairs.length()).map { pairs.getJSONArray(it).getString(0) to pairs.getJSONArray(it).getString(1) }
    }

    /** Adds a policy for the service principal and returns a JWT it accepts. */
    fun servicePrincipalJwt(): String {
        addPolicy(SP_CLIENT_ID, listOf(AUDIENCE), SUBJECT)
        return mint(SUBJECT, listOf(AUDIENCE))
    }

    /** A workload-identity configuration for the workspace, without retries. */
    fun config(): CredentialConfig = CredentialConfig(
        host = url,
        clientId = SP_CLIENT_ID,
        audience = AUDIENCE,
        network = NetworkSettings(retry = RetryPolicy(maxAttempts = 1)),
    )
}

/**
 * The process environment, changed through the C library: what the native library reads
 * (`System.getenv` keeps its own copy and does not see these changes).
 */
object NativeEnv {
    private interface LibC : Library {
        fun setenv(name: String, value: String, overwrite: Int): Int
        fun unsetenv(name: String): Int
    }

    private val libc: LibC = Native.load("c", LibC::class.java)

    /** Runs `body` with `variables` set, and unsets them afterwards. */
    fun <T> with(vararg variables: Pair<String, String>, body: () -> T): T {
        for ((name, value) in variables) check(libc.setenv(name, value, 1) == 0) { "setenv $name failed" }
        try {
            return body()
        } finally {
            for ((name, _) in variables) libc.unsetenv(name)
        }
    }
}
