// Hand-written: the public `UserExchanger` and `AzureOnBehalfOf`, which add to the generated ones
// the JNI fast path for a user's cached token and CompletableFuture variants.
package io.github.dbfed

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
}

/**
 * Azure Databricks tokens acting as the signed-in users of an Entra application: each user's
 * Entra access token is exchanged with the OAuth 2.0 on-behalf-of grant, and the result cached per
 * user as `UserExchanger` does. `toString()` shows no secret or token.
 */
open class AzureOnBehalfOf @Throws(DbfedException::class) constructor(config: AzureOnBehalfOfConfig) :
    NativeAzureOnBehalfOf(config) {
    private val fast = FastUsers(this, jvmFastHandle()) { tokenForBlocking(it) }

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
