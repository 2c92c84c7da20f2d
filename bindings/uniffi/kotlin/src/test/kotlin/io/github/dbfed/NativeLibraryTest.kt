package io.github.dbfed

import com.sun.jna.NativeLibrary
import java.io.File
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The native library comes from the classpath, where the jar carries it, as for a user of the jar. */
class NativeLibraryTest {
    @Test
    fun `the library is loaded from the classpath resource, not from a library path`() {
        assertNull(System.getProperty("jna.library.path"), "the tests must not be given jna.library.path")
        assertNull(System.getProperty("uniffi.component.dbfed_uniffi.libraryOverride"))
        val resource = javaClass.classLoader.getResource("linux-x86-64/libdbfed_uniffi.so")
        assertNotNull(resource, "linux-x86-64/libdbfed_uniffi.so is not on the classpath")
        // A call into the library loads it. From a directory on the classpath (target/classes) JNA
        // loads the file in place; from a jar it extracts it to a temporary file first.
        Source.fixed("x").use { assertTrue(it.name().isNotEmpty()) }
        val loaded = NativeLibrary.getInstance("dbfed_uniffi").file
        assertEquals(File(resource!!.toURI()).canonicalFile, loaded?.canonicalFile)
    }
}
