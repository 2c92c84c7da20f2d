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

    /** The source error of one `tokenBlocking()` through `provider` (timeout 30 s), and how long it took. */
    private fun failureOf(provider: SubjectTokenProvider): Pair<DbfedException.Source, Duration> {
        val source = Source.callback(provider, timeout = Duration.ofSeconds(30))
        Credential(Testkit.config(), source).use { credential ->
            val started = System.nanoTime()
            val error = assertThrows<DbfedException.Source> { credential.tokenBlocking() }
            return error to Duration.ofNanos(System.nanoTime() - started)
        }
    }

    /** A provider whose every JWT is what `answer` gives. */
    private fun provider(answer: suspend (audience: String) -> String) = object : SubjectTokenProvider {
        override suspend fun subjectToken(audience: String): String = answer(audience)
    }

    /** Fails at once (not after the 30 s timeout), naming what the provider did; later calls work. */
    private fun assertFailsAtOnce(provider: SubjectTokenProvider, vararg named: String) {
        val (error, took) = failureOf(provider)
        assertEquals("callback", error.sourceName)
        for (text in named) assertTrue(text in error.reason, error.reason)
        assertTrue("did not return within" !in error.reason, error.reason)
        // Generous: a hang waits out the 30 s timeout.
        assertTrue(took < Duration.ofSeconds(10), "took $took")
        val jwt = Testkit.servicePrincipalJwt()
        Credential(Testkit.config(), Source.callback(provider { jwt })).use { assertEquals(200, Testkit.me(it.tokenBlocking().authorizationHeader()).first) }
    }

    @Test
    fun `a provider that throws an AssertionError fails at once`() =
        assertFailsAtOnce(provider { throw AssertionError("the vault said no") }, "threw java.lang.AssertionError: the vault said no")

    @Test
    fun `a provider that overflows its stack fails at once`() = assertFailsAtOnce(
        object : SubjectTokenProvider {
            fun deeper(depth: Long): Long = deeper(depth + 1) + 1
            override suspend fun subjectToken(audience: String): String = deeper(0).toString()
        },
        "threw java.lang.StackOverflowError",
    )

    @Test
    fun `a provider that throws an OutOfMemoryError fails at once`() =
        assertFailsAtOnce(provider { throw OutOfMemoryError("simulated") }, "threw java.lang.OutOfMemoryError: simulated")

    @Test
    fun `a provider that returns null fails at once`() = assertFailsAtOnce(
        object : SubjectTokenProvider {
            // A null through an erased generic, as Java code or a bad cast gives one.
            @Suppress("UNCHECKED_CAST")
            override suspend fun subjectToken(audience: String): String = (listOf<Any?>(null) as List<String>)[0]
        },
        "returned null, not a JWT",
    )

    @Test
    fun `a long exception message is shortened`() {
        val (error, _) = failureOf(provider { error("x".repeat(5000)) })
        assertTrue(error.reason.length < 500, error.reason)
        assertTrue("x".repeat(200) + "…" in error.reason, error.reason)
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
