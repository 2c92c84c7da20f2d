// Hand-written: the public `UserExchanger` and `AzureOnBehalfOf`, which add to the generated ones
// the JNI fast path for a user's cached token and CompletableFuture variants.
package io.github.dbfed

import java.time.Duration
import java.util.concurrent.CompletableFuture

/**
 * Databricks tokens for the users of your service, each obtained with the user's own JWT and
 * cached per user (keyed by the JWT's SHA-256, never the JWT), reaching Databricks as [config]
 * says (without `clientId` or `audience`) and caching as [cache] says. A JWT that is not a JWT,
 * has expired, or fails the expected issuer or audience is refused with `DbfedException.Source`,
 * without a request. `toString()` shows no JWT or token.
 */
open class UserExchanger @JvmOverloads @Throws(DbfedException::class) constructor(
    config: CredentialConfig,
    cache: UserCacheSettings? = null,
) : NativeUserExchanger(config, cache) {
    private val fast = FastUsers(this, jvmFastHandle()) { tokenForBlocking(it) }

    /** `Bearer <token>` acting as the user whose JWT is [jwt]: from the cache through JNI, else after one exchange. */
    @Throws(DbfedException::class)
    fun authorizationHeaderFor(jwt: String): String = fast.authorizationHeaderFor(jwt)

    /** The token itself, as [authorizationHeaderFor] gets it; keep it out of logs. */
    @Throws(DbfedException::class)
    fun accessTokenFor(jwt: String): String = fast.accessTokenFor(jwt)

    /** `tokenForBlocking(jwt)` as a future: completed at once from the cache, else when the exchange is done. */
    fun tokenForAsync(jwt: String): CompletableFuture<AccessToken> = Blocking.future(cachedTokenFor(jwt)) { tokenForBlocking(jwt) }

    /** Frees the native memory now rather than when it is garbage-collected. */
    override fun destroy() {
        fast.close()
        super.destroy()
    }

    companion object {
        init {
            LibraryFile.ensure() // before any call into the library: its file, or a clear error where it has none
        }

        /** A builder, for Java: `UserExchanger.builder().host(…).expectedIssuers(…).build()`. */
        @JvmStatic fun builder(): UserExchangerBuilder = UserExchangerBuilder()
    }
}

/**
 * Azure Databricks tokens acting as the signed-in users of an Entra application: each user's
 * Entra access token is exchanged with the OAuth 2.0 on-behalf-of grant, and the result cached per
 * user as `UserExchanger` does. `toString()` shows no secret or token.
 */
open class AzureOnBehalfOf @Throws(DbfedException::class) constructor(config: AzureOnBehalfOfConfig) :
    NativeAzureOnBehalfOf(config) {
    private val fast = FastUsers(this, jvmFastHandle()) { tokenForBlocking(it) }

    private companion object {
        init {
            LibraryFile.ensure() // before any call into the library: its file, or a clear error where it has none
        }
    }

    /** `Bearer <token>` acting as the user whose Entra token is [userToken]: from the cache through JNI, else after one exchange. */
    @Throws(DbfedException::class)
    fun authorizationHeaderFor(userToken: String): String = fast.authorizationHeaderFor(userToken)

    /** The token itself, as [authorizationHeaderFor] gets it; keep it out of logs. */
    @Throws(DbfedException::class)
    fun accessTokenFor(userToken: String): String = fast.accessTokenFor(userToken)

    /** `tokenForBlocking(userToken)` as a future: completed at once from the cache, else when the exchange is done. */
    fun tokenForAsync(userToken: String): CompletableFuture<AccessToken> =
        Blocking.future(cachedTokenFor(userToken)) { tokenForBlocking(userToken) }

    /** Frees the native memory now rather than when it is garbage-collected. */
    override fun destroy() {
        fast.close()
        super.destroy()
    }
}

/** Builds a [UserExchanger] (for Java; Kotlin can name the fields of its two configs instead). */
class UserExchangerBuilder internal constructor() : TargetBuilder<UserExchangerBuilder>() {
    private val cache = UserCacheSettings()

    /** The most users cached (default 10,000). */
    fun maxUsers(maxUsers: Int) = apply { cache.maxUsers = maxUsers }

    /** JWTs from another issuer are refused without a request. */
    fun expectedIssuers(issuers: List<String>) = apply { cache.expectedIssuers = issuers }

    /** JWTs for none of these audiences are refused without a request. */
    fun expectedAudiences(audiences: List<String>) = apply { cache.expectedAudiences = audiences }

    /** How long past its `exp` a user's JWT is still accepted (default zero). */
    fun expiryLeeway(leeway: Duration) = apply { cache.expiryLeeway = leeway }

    /** How long a JWT Databricks refused is answered with the same error without asking again. */
    fun negativeCache(duration: Duration) = apply { cache.negativeCache = duration }

    /** The user exchanger. Throws `DbfedException.Config` if the configuration is incomplete or unsafe. */
    @Throws(DbfedException::class)
    fun build(): UserExchanger = UserExchanger(config, cache)
}

/** The fast calls of a per-user object whose JNI handle is [handle]; [wait] gets a token the slow way. */
internal class FastUsers(owner: Any, handle: Long, private val wait: (String) -> AccessToken) {
    private val fast = FastHandle(owner, handle, FastPath::releaseUsers)

    fun authorizationHeaderFor(user: String): String = fastOrWait(user, true) { it.authorizationHeader() }

    fun accessTokenFor(user: String): String = fastOrWait(user, false) { it.token() }

    fun close() = fast.close()

    /** The user's cached token through JNI; without one, after [wait] (then [ofToken] of its token if already gone). */
    private inline fun fastOrWait(user: String, header: Boolean, ofToken: (AccessToken) -> String): String {
        fast.use { FastPath.cachedFor(it, user, header) }?.let { return it }
        return wait(user).use { token -> fast.use { FastPath.cachedFor(it, user, header) } ?: ofToken(token) }
    }
}
