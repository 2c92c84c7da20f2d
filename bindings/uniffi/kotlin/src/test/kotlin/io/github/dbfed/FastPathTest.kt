package io.github.dbfed

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test

/** The JNI fast path: the core's cached token, the very same `String` while it lasts, null without one. */
class FastPathTest {
    @BeforeEach
    fun fresh() = Testkit.reset()

    @Test
    fun `the cached token and header come through JNI, the same strings while the token lasts`() {
        Credential(Testkit.config(), Source.fixed(Testkit.servicePrincipalJwt())).use { credential ->
            val handle = credential.jvmFastHandle()
            try {
                assertNull(FastPath.cachedToken(handle), "nothing is cached before the first token")
                val token = credential.tokenBlocking()
                val text = FastPath.cachedToken(handle)
                assertEquals(token.token(), text)
                assertSame(text, FastPath.cachedToken(handle))
                val header = FastPath.cachedHeader(handle)
                assertEquals(token.authorizationHeader(), header)
                assertSame(header, FastPath.cachedHeader(handle))

                credential.invalidate()
                assertNull(FastPath.cachedHeader(handle), "an invalidated token is not served")
                val next = credential.tokenBlocking()
                assertNotEquals(token.token(), next.token())
                assertEquals(next.authorizationHeader(), FastPath.cachedHeader(handle))
                assertEquals(2L, credential.stats().exchanges)
            } finally {
                FastPath.release(handle)
            }
        }
    }
}
