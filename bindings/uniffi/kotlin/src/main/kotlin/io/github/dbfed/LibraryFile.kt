// Hand-written: the file the native library is loaded from, and a clear error where there is none.
package io.github.dbfed

import com.sun.jna.Native
import com.sun.jna.NativeLibrary
import com.sun.jna.Platform
import java.io.File

/**
 * Prepares, before the first call into the native library, the one file that both uniffi's JNA
 * and the JNI fast path load ([FastPath]). From a jar, JNA would load a temporary copy and delete
 * it at once, leaving System.load nothing to load; so the library is copied out of the jar here,
 * to a file that lives as long as the process, and named to JNA by uniffi's override property.
 * Where there is no library for the platform, the error names the platform, the platforms the jar
 * carries and those a release supports.
 */
internal object LibraryFile {
    /** The JNA platform folders a release jar carries a library for. */
    private val RELEASED = listOf("linux-x86-64", "linux-aarch64", "darwin-x86-64", "darwin-aarch64", "win32-x86-64")

    /** uniffi's property naming the library's path (or name) to JNA. */
    const val OVERRIDE = "uniffi.component.dbfed_uniffi.libraryOverride"

    /** Why the library cannot load, or null when it can (prepared once). */
    private val problem: String? by lazy { prepare() }

    /** Throws [UnsatisfiedLinkError], with the reason, when the library cannot load here. */
    fun ensure() {
        problem?.let { throw UnsatisfiedLinkError(it) }
    }

    private fun prepare(): String? {
        if (System.getProperty(OVERRIDE) != null) return null // the service's own choice; JNA reports its errors
        val loader = LibraryFile::class.java.classLoader
        val file = System.mapLibraryName("dbfed_uniffi")
        val resource = loader.getResource("${Platform.RESOURCE_PREFIX}/$file")
        return when {
            resource?.protocol == "file" -> null // a plain file on the classpath (a build's classes): loaded in place
            resource != null -> {
                val copy = Native.extractFromResourcePath("dbfed_uniffi", loader)
                copy.deleteOnExit()
                System.setProperty(OVERRIDE, copy.absolutePath)
                null
            }
            else -> notInJar(loader, file)
        }
    }

    /** Null when JNA finds the library elsewhere (jna.library.path, the system's), else why not. */
    private fun notInJar(loader: ClassLoader, file: String): String? {
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
