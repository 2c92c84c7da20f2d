// Hand-written: the public `Credential`, which adds to the generated one the JNI fast path, static
// factories and a builder for Java, and CompletableFuture variants.
package io.github.dbfed

import java.util.concurrent.CompletableFuture

/**
 * Databricks tokens for one workspace or account, exchanged for the JWTs of one source, cached
 * and refreshed ahead of expiry; one exchange however many coroutines and threads ask. No request
 * is made before the first token is asked for. `toString()` shows no secret.
 *
 * The calls a service makes on every request, [authorizationHeader], [accessToken] and
 * [headersBlocking], answer a cached token through JNI, in tens of nanoseconds and without
 * allocating; the others go through uniffi's JNA, in microseconds. From Java: [builder],
 * [fromEnv] and [azure] are static, the blocking calls declare `DbfedException`, and the `…Async`
 * variants return `CompletableFuture`s.
 */
open class Credential internal constructor(native: NativeCredential) :
    NativeCredential(UniffiWithHandle, adoptHandle(native)) {

    /** A credential for [config], with JWTs from [source]. Throws `DbfedException.Config` if the configuration is incomplete or unsafe. */
    @Throws(DbfedException::class)
    constructor(config: CredentialConfig, source: NativeSource) : this(NativeCredential(config, source))

    private val fast = FastHandle(this, jvmFastHandle(), FastPath::release)

    /** The last `Authorization` header and the headers map made of it, handed out while it lasts. */
    @Volatile private var shownHeaders: Pair<String, Map<String, String>>? = null

    /**
     * `Bearer <token>` for a request: the cached token when there is one (through JNI, the same
     * `String` while the token lasts), else after one exchange shared by every caller waiting.
     */
    @Throws(DbfedException::class)
    fun authorizationHeader(): String = fastOrWait(FastPath::cachedHeader) { it.authorizationHeader() }

    /** The token itself, as [authorizationHeader] gets it; keep it out of logs. */
    @Throws(DbfedException::class)
    fun accessToken(): String = fastOrWait(FastPath::cachedToken) { it.token() }

    /**
     * What [fast] answers for the cached token; without one, what it answers once `tokenBlocking()`
     * has waited for a token (so that every caller gets the same `String`), or [ofToken] of that
     * token if it is already gone.
     */
    private inline fun fastOrWait(fast: (Long) -> String?, ofToken: (AccessToken) -> String): String {
        this.fast.use(fast)?.let { return it }
        return tokenBlocking().use { token -> this.fast.use(fast) ?: ofToken(token) }
    }

    /** `{"Authorization": "Bearer <token>"}`, as [authorizationHeader] gets it (the same map while the token lasts). */
    @Throws(DbfedException::class)
    override fun headersBlocking(): Map<String, String> {
        val header = authorizationHeader()
        shownHeaders?.let { (shown, headers) -> if (shown === header) return headers }
        return mapOf("Authorization" to header).also { shownHeaders = header to it }
    }

    /** `tokenBlocking()` as a future: completed at once from the cache, else when the exchange is done. */
    fun tokenAsync(): CompletableFuture<AccessToken> = Blocking.future(cachedToken()) { tokenBlocking() }

    /** [headersBlocking] as a future: completed at once from the cache, else when the exchange is done. */
    fun headersAsync(): CompletableFuture<Map<String, String>> =
        Blocking.future(fast.use { FastPath.cachedHeader(it) }?.let { headersBlocking() }) { headersBlocking() }

    /** `endpointsBlocking()` as a future. */
    fun endpointsAsync(): CompletableFuture<Endpoints> = Blocking.future(null) { endpointsBlocking() }

    /** `diagnoseBlocking(policy)` as a future. */
    fun diagnoseAsync(policy: FederationPolicy): CompletableFuture<List<Mismatch>> =
        Blocking.future(null) { diagnoseBlocking(policy) }

    /** Frees the credential's native memory now rather than when it is garbage-collected. */
    override fun destroy() {
        fast.close()
        super.destroy()
    }

    companion object {
        init {
            LibraryFile.ensure() // before any call into the library: its file, or a clear error where it has none
        }

        /** A builder, for Java: `Credential.builder().host(…).clientId(…).source(…).build()`. */
        @JvmStatic fun builder(): CredentialBuilder = CredentialBuilder()

        /**
         * A credential configured from the Databricks environment variables, as the Databricks
         * SDKs read them (`DATABRICKS_HOST`, `DATABRICKS_CLIENT_ID`, `DATABRICKS_AUTH_TYPE`, …).
         * When no source fits, the `DbfedException.Config` lists every one tried and why it was
         * skipped.
         */
        @JvmStatic @Throws(DbfedException::class)
        fun fromEnv(): Credential = Credential(credentialFromEnv())

        /**
         * A credential for Azure Databricks whose tokens are Microsoft Entra ID tokens for the Azure
         * Databricks resource, which it accepts as they are (no token exchange).
         */
        @JvmStatic @Throws(DbfedException::class)
        fun azure(config: AzureCredentialConfig): Credential = Credential(credentialAzure(config))

        /**
         * [azure] after reading the standard Azure Identity variables that are set
         * (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` or
         * `AZURE_FEDERATED_TOKEN_FILE`, …); what [config] sets wins.
         */
        @JvmStatic @JvmOverloads @Throws(DbfedException::class)
        fun azureFromEnv(config: AzureCredentialConfig? = null): Credential = Credential(credentialAzureFromEnv(config))

        /**
         * A credential whose tokens come from the metadata-service endpoint at [url] (what
         * `dbfed exec` and `dbfed serve` serve, `DATABRICKS_METADATA_SERVICE_URL`; its path is
         * never shown) for the workspace or account [host]: no exchange, the same cache.
         */
        @JvmStatic @JvmOverloads @Throws(DbfedException::class)
        fun metadataService(url: String, host: String, network: NetworkSettings? = null): Credential =
            Credential(credentialMetadataService(url, host, network))

        /** The handle of a new reference to [native]'s object, [native] itself released. */
        private fun adoptHandle(native: NativeCredential): Long = native.use { it.uniffiCloneHandle() }
    }
}

/** Builds a [Credential] (for Java; Kotlin can name the `CredentialConfig` fields instead). */
class CredentialBuilder internal constructor() : TargetBuilder<CredentialBuilder>() {
    private var source: NativeSource? = null

    /** The service principal's application id (workload identity federation). */
    fun clientId(clientId: String) = apply { config.clientId = clientId }

    /** The audience the source's JWT is asked for. */
    fun audience(audience: String) = apply { config.audience = audience }

    /** Where the JWTs come from (required). */
    fun source(source: NativeSource) = apply { this.source = source }

    /** The credential. Throws `DbfedException.Config` if the configuration is incomplete or unsafe. */
    @Throws(DbfedException::class)
    fun build(): Credential =
        Credential(config, source ?: throw DbfedException.Config("a source is needed: builder().source(Source.…)"))
}

/**
 * What the builders of a [Credential] and a [UserExchanger] share: where Databricks is and how
 * to reach it, set on a `CredentialConfig`; each setter returns the builder [B] itself.
 */
abstract class TargetBuilder<B : TargetBuilder<B>> internal constructor() {
    /** The settings so far. */
    internal val config = CredentialConfig()

    /** This builder, as its own type. */
    @Suppress("UNCHECKED_CAST")
    private fun self(): B = this as B

    /** The workspace URL (`https://` may be omitted). */
    fun host(host: String): B = self().also { config.host = host }

    /** The accounts console URL, for account-level APIs (with [accountId]). */
    fun accountHost(accountHost: String): B = self().also { config.accountHost = accountHost }

    /** The Databricks account id. */
    fun accountId(accountId: String): B = self().also { config.accountId = accountId }

    /** The scopes to request (default `all-apis`). */
    fun scopes(scopes: List<String>): B = self().also { config.scopes = scopes }

    /** The token endpoint, skipping discovery. */
    fun tokenEndpoint(tokenEndpoint: String): B = self().also { config.tokenEndpoint = tokenEndpoint }

    /** An OIDC discovery document to read the token endpoint from. */
    fun discoveryUrl(discoveryUrl: String): B = self().also { config.discoveryUrl = discoveryUrl }

    /** Timeouts, CA bundle and retry rules of its requests. */
    fun network(network: NetworkSettings): B = self().also { config.network = network }
}
