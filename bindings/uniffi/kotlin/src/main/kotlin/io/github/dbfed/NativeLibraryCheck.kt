// Hand-written: a clear error where the jar has no native library for the platform.
package io.github.dbfed

import com.sun.jna.NativeLibrary
import com.sun.jna.Platform

/**
 * Checks, before the first call into the native library, that JNA can load one for this
 * platform; where it cannot, the error names the platform, the platforms the jar carries and
 * those a release supports, where JNA's own would say only that a resource was not found.
 */
internal object NativeLibraryCheck {
    /** The JNA platform folders a release jar carries a library for. */
    private val RELEASED = listOf("linux-x86-64", "linux-aarch64", "darwin-x86-64", "darwin-aarch64", "win32-x86-64")

    private const val OVERRIDE = "uniffi.component.dbfed_uniffi.libraryOverride"

    /** Why the library cannot load, or null when it can (checked once). */
    private val problem: String? by lazy { findProblem() }

    /** Throws [UnsatisfiedLinkError], with the reason, when the library cannot load here. */
    fun ensure() {
        problem?.let { throw UnsatisfiedLinkError(it) }
    }

    private fun findProblem(): String? {
        val loader = NativeLibraryCheck::class.java.classLoader
        val file = System.mapLibraryName("dbfed_uniffi")
        if (System.getProperty(OVERRIDE) != null || loader.getResource("${Platform.RESOURCE_PREFIX}/$file") != null) {
            return null // JNA loads it (and reports its own error for a broken override)
        }
        // Not in the jar: maybe on jna.library.path or the system's library path.
        val error = try {
            NativeLibrary.getInstance("dbfed_uniffi")
            return null
        } catch (error: UnsatisfiedLinkError) {
            error
        }
        val carried = RELEASED.filter { loader.getResource("$it/${libraryFile(it)}") != null }
        return "dbfed has no native library for this platform (${Platform.RESOURCE_PREFIX}): " +
            "this jar carries ${carried.ifEmpty { listOf("none") }.joinToString()}, a release jar " +
            "${RELEASED.joinToString()}. Build libdbfed_uniffi from source for this platform " +
            "(README, \"JVM\") and name it with -D$OVERRIDE=/path/to/$file, or put its folder on " +
            "-Djna.library.path. (JNA: ${error.message?.lineSequence()?.firstOrNull()})"
    }

    /** The library's file name in a JNA platform folder. */
    private fun libraryFile(platform: String): String = when {
        platform.startsWith("darwin") -> "libdbfed_uniffi.dylib"
        platform.startsWith("win32") -> "dbfed_uniffi.dll"
        else -> "libdbfed_uniffi.so"
    }
}
