// Hand-written: the JNI side of the JVM fast path (bindings/uniffi/src/jvm_fast_path.rs).
package io.github.dbfed

import com.sun.jna.Library
import com.sun.jna.NativeLibrary

/**
 * The calls a service makes on every request, through JNI rather than uniffi's JNA: the cached
 * token and its `Authorization` header of a credential, or of a user, by a handle of the JVM's own
 * (`jvmFastHandle()`). Each answers null when no token is cached; the caller then takes
 * uniffi's path, which waits for the exchange and reports its errors. Internal: the handle must
 * be live (not released) for every call, which its owner guarantees.
 */
internal object FastPath {
    init {
        // JNI finds native methods only in libraries loaded by System.load: load the very file
        // JNA loaded for uniffi (LibraryFile's copy from the jar, a build's file, or the
        // service's override), so that one copy of the library, with one runtime and one state,
        // serves both.
        LibraryFile.ensure()
        val jna = NativeLibrary.getInstance(
            uniffiLibraryName(),
            mapOf(Library.OPTION_CLASSLOADER to Credential::class.java.classLoader),
        )
        System.load(jna.file.absolutePath)
    }

    /** The cached token of [handle]'s credential, or null. */
    fun cachedToken(handle: Long): String? = cached(handle, false)

    /** `Bearer <token>` for the cached token of [handle]'s credential, or null. */
    fun cachedHeader(handle: Long): String? = cached(handle, true)

    /** The cached token of [handle]'s credential (`Bearer <token>` if [header]), or null. */
    @JvmStatic private external fun cached(handle: Long, header: Boolean): String?

    /** Frees [handle]; it must not be used again. */
    fun release(handle: Long) = free(handle, false)

    /**
     * The cached token (`Bearer <token>` if [header]) for the user whose own token is [userToken],
     * of [handle]'s users (`jvmFastHandle()` of a `UserExchanger` or `AzureOnBehalfOf`), or null.
     */
    @JvmStatic external fun cachedFor(handle: Long, userToken: String, header: Boolean): String?

    /** Frees a users' [handle]; it must not be used again. */
    fun releaseUsers(handle: Long) = free(handle, true)

    /** Frees [handle], a users' handle if [users], else a credential's. */
    @JvmStatic private external fun free(handle: Long, users: Boolean)

    /** The library name uniffi gives JNA: its override property, else `dbfed_uniffi`. */
    private fun uniffiLibraryName(): String =
        System.getProperty(LibraryFile.OVERRIDE) ?: "dbfed_uniffi"
}
