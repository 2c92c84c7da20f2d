package io.github.dbfed

import java.time.Duration
import java.util.concurrent.atomic.AtomicBoolean
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Sources implemented in Kotlin: `SubjectTokenProvider`s given to `Source.callback`. */
class CallbackTest {
    @BeforeEach
    fun reset() = Testkit.reset()

    @Test
    fun `a Kotlin provider gets the audience and its JWT is exchanged`() = runBlocking {
        val jwt = Testkit.servicePrincipalJwt()
        val asked = mutableListOf<String>()
        val provider = object : SubjectTokenProvider {
            override suspend fun subjectToken(audience: String): String {
                delay(10) // a suspending provider, as one asking a vault would be
                asked += audience
                return jwt
            }
        }
        Credential(Testkit.config(), Source.callback(provider)).use { credential ->
            assertEquals(200 to "sp:$SP_CLIENT_ID", Testkit.me(credential.token().authorizationHeader()))
            assertEquals("callback", credential.sourceName())
        }
        assertEquals(listOf(AUDIENCE), asked)
    }

    @Test
    fun `an exception the provider throws is a source error with its message`() {
        val provider = object : SubjectTokenProvider {
            override suspend fun subjectToken(audience: String): String = error("the vault is sealed")
        }
        Credential(Testkit.config(), Source.callback(provider)).use { credential ->
            val error = assertThrows<DbfedException.Source> { runBlocking { credential.token() } }
            assertEquals("callback", error.sourceName)
            assertTrue("the vault is sealed" in error.reason, error.reason)
            assertTrue("IllegalStateException" in error.reason, error.reason)
        }
        assertEquals(0, Testkit.counters()["exchanges"])
    }

    @Test
    fun `a provider that does not return in time fails and is cancelled`() {
        val cancelled = AtomicBoolean(false)
        val provider = object : SubjectTokenProvider {
            override suspend fun subjectToken(audience: String): String {
                try {
                    awaitCancellation()
                } catch (cancellation: CancellationException) {
                    cancelled.set(true)
                    throw cancellation
                }
            }
        }
        val source = Source.callback(provider, timeout = Duration.ofMillis(300))
        Credential(Testkit.config(), source).use { credential ->
            val error = assertThrows<DbfedException.Source> { credential.tokenBlocking() }
            assertTrue("did not return within" in error.reason, error.reason)
        }
        val deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos()
        while (!cancelled.get() && System.nanoTime() < deadline) Thread.sleep(10)
        assertTrue(cancelled.get(), "the provider's coroutine is cancelled")
    }

    @Test
    fun `a chain takes the first source that works`() {
        val jwt = Testkit.servicePrincipalJwt()
        val chain = Source.chain(listOf(Source.envVar("DBFED_TEST_SURELY_UNSET"), Source.fixed(jwt)))
        Credential(Testkit.config(), chain).use { credential ->
            assertEquals(200 to "sp:$SP_CLIENT_ID", Testkit.me(credential.tokenBlocking().authorizationHeader()))
        }
    }
}
