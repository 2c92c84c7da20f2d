package io.github.dbfed

import ch.qos.logback.classic.Level
import ch.qos.logback.classic.LoggerContext
import ch.qos.logback.classic.turbo.TurboFilter
import ch.qos.logback.core.spi.FilterReply
import com.sun.jna.Native
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.slf4j.LoggerFactory
import org.slf4j.Marker

/**
 * dbfed's log records reach SLF4J (logback here) with no setup: the logger of their module, their
 * level, only when enabled, no secret at the most verbose level, and a logging that throws
 * harms nothing.
 */
class LoggingTest {
    @BeforeEach
    fun reset() = Testkit.reset()

    /** A credential of the testkit whose token endpoint answers 503 (`probe-503`) after its first token. */
    private fun credentialFailingAfterItsFirstToken(): Credential {
        val credential = Credential(Testkit.config(), Source.fixed(Testkit.servicePrincipalJwt()))
        credential.tokenBlocking()
        Testkit.inject(
            "path" to "/oidc/v1/token",
            "status" to 503,
            "count" to 10,
            "body" to """{"error":"temporarily_unavailable","error_description":"probe-503"}""",
        )
        return credential
    }

    @Test
    fun `a failing refresh is a WARN record of dbfed-cache with the reason, and DEBUG records are off at WARN`() {
        // Tokens of 6 s: the refresh ahead of expiry starts after 3 s; callers wait for it after 5.4 s.
        Testkit.settings("token_lifetime_secs" to 6)
        Logs.collect(Level.WARN).use { logs ->
            credentialFailingAfterItsFirstToken().use { credential ->
                val first = credential.tokenBlocking()
                Thread.sleep(3_200)
                assertEquals(first.token(), credential.tokenBlocking().token(), "the still-valid token serves")

                val failure = logs.await("WARN record of the failed refresh") { "probe-503" in it.formattedMessage }
                assertEquals(Level.WARN, failure.level)
                assertEquals("dbfed.cache", failure.loggerName)
                assertTrue(failure.formattedMessage.startsWith("token fetch failed error="), failure.formattedMessage)
                assertTrue("503" in failure.formattedMessage, failure.formattedMessage)
                // One queue, in order: the refresh's DEBUG records would have come before its failure.
                assertEquals(listOf<Level>(), logs.events.map { it.level }.filter { !it.isGreaterOrEqual(Level.WARN) })
            }
        }
    }

    @Test
    fun `at DEBUG an exchange is a DEBUG record, and a logger left at OFF gets none`() = runBlocking {
        val jwt = Testkit.servicePrincipalJwt()
        Logs.collect(Level.DEBUG).use { logs ->
            Credential(Testkit.config(), Source.fixed(jwt)).use { it.token() }
            val exchanged = logs.await("DEBUG record of the exchange") {
                it.formattedMessage.startsWith("exchanged the subject token")
            }
            assertEquals(Level.DEBUG, exchanged.level)
            assertEquals("dbfed.exchange_client", exchanged.loggerName)
            assertTrue(Testkit.workspaceTokenEndpoint in exchanged.formattedMessage, exchanged.formattedMessage)
            assertTrue(logs.events.all { it.loggerName.startsWith("dbfed.") }, logs.shown())
        }
        // Only dbfed.cache at DEBUG: its record of the invalidation comes after the exchange's
        // (one queue, in order), and nothing of the exchange's loggers comes at all.
        Logs.collect(Level.OFF, "dbfed.cache" to Level.DEBUG).use { logs ->
            Credential(Testkit.config(), Source.fixed(jwt)).use { credential ->
                credential.token()
                credential.invalidate()
            }
            logs.await("DEBUG record of the invalidation") { it.formattedMessage == "token cache invalidated" }
            assertEquals(setOf("dbfed.cache"), logs.events.map { it.loggerName }.toSet(), logs.shown())
        }
    }

    @Test
    fun `at TRACE, a server echoing the JWT in its error_description has it in no record`() {
        val jwt = Testkit.servicePrincipalJwt()
        Testkit.inject(
            "path" to "/oidc/v1/token",
            "status" to 400,
            "count" to 10,
            "body" to JSONObject(mapOf("error" to "invalid_request", "error_description" to "echo $jwt")).toString(),
        )
        Logs.collect(Level.TRACE).use { logs ->
            Credential(Testkit.config(), Source.fixed(jwt)).use { credential ->
                assertThrows<DbfedException.Rejected> { credential.tokenBlocking() }
            }
            val failure = logs.await("WARN record of the refusal") { it.level == Level.WARN }
            assertTrue("redacted>" in failure.formattedMessage, failure.formattedMessage)
            logs.await("DEBUG record of the answer") { it.formattedMessage.startsWith("token exchange answered") }
            for (secret in listOf(jwt, jwt.substringAfterLast('.'))) {
                assertFalse(secret in logs.shown(), logs.shown())
            }
        }
    }

    @Test
    fun `a logging that throws breaks no call, and later records still come`() {
        val context = LoggerFactory.getILoggerFactory() as LoggerContext
        val throwing = Throwing()
        throwing.start()
        context.addTurboFilter(throwing)
        // What escapes a callback into the JVM reaches JNA's handler (by default a line on stderr).
        val escaped = CopyOnWriteArrayList<Throwable>()
        val jnaHandler = Native.getCallbackExceptionHandler()
        Native.setCallbackExceptionHandler { _, thrown -> escaped.add(thrown) }
        try {
            Logs.collect(Level.TRACE).use { logs ->
                val jwt = Testkit.servicePrincipalJwt()
                repeat(2) {
                    Credential(Testkit.config(), Source.fixed(jwt)).use { credential ->
                        assertEquals(200, Testkit.me(credential.tokenBlocking().authorizationHeader()).first)
                    }
                }
                // Both an Exception and an Error were thrown into the forwarding, and nothing reached the appender.
                val deadline = System.nanoTime() + 10_000_000_000
                while (throwing.thrown < 2 && System.nanoTime() < deadline) Thread.sleep(10)
                assertTrue(throwing.thrown >= 2, "thrown ${throwing.thrown}")
                assertEquals("", logs.shown())
                assertEquals(listOf<Throwable>(), escaped)
            }
        } finally {
            context.turboFilterList.remove(throwing)
            Native.setCallbackExceptionHandler(jnaHandler)
        }
        Logs.collect(Level.DEBUG).use { logs ->
            Credential(Testkit.config(), Source.fixed(Testkit.servicePrincipalJwt())).use { it.tokenBlocking() }
            logs.await("DEBUG record after the throwing logging") { it.formattedMessage.startsWith("exchanged the subject token") }
        }
    }

    /** A logback filter asked before every logging call under `dbfed`, throwing an Exception, then an Error, … */
    private class Throwing : TurboFilter() {
        @Volatile var thrown = 0

        override fun decide(
            marker: Marker?,
            logger: ch.qos.logback.classic.Logger,
            level: Level?,
            format: String?,
            params: Array<out Any>?,
            t: Throwable?,
        ): FilterReply {
            if (!logger.name.startsWith("dbfed")) return FilterReply.NEUTRAL
            thrown += 1
            if (thrown % 2 == 1) throw IllegalStateException("a logging that fails")
            throw StackOverflowError("a logging that fails harder")
        }
    }
}
