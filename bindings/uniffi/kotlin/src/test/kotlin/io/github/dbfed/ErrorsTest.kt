package io.github.dbfed

import java.net.ServerSocket
import java.time.Duration
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * Every failure maps to its `DbfedException`, with the server's status and words. Configuration
 * errors are the cases of tests/cases/options.json (OptionsCasesTest).
 */
class ErrorsTest {
    @BeforeEach
    fun reset() = Testkit.reset()

    @Test
    fun `an unset variable is a source error`() {
        Credential(Testkit.config(), Source.envVar("DBFED_TEST_SURELY_UNSET")).use { credential ->
            val error = assertThrows<DbfedException.Source> { credential.tokenBlocking() }
            assertEquals("env", error.sourceName)
            assertTrue("DBFED_TEST_SURELY_UNSET is not set" in error.reason, error.reason)
        }
        assertEquals(0, Testkit.counters()["exchanges"])
    }

    @Test
    fun `an expired JWT is refused before the exchange`() = runBlocking {
        Testkit.servicePrincipalJwt()
        val expired = Testkit.mint(SUBJECT, listOf(AUDIENCE), "expired" to true)
        Credential(Testkit.config(), Source.fixed(expired)).use { credential ->
            val error = assertThrows<DbfedException.Source> { runBlocking { credential.token() } }
            assertTrue("expired" in error.reason, error.reason)
            assertFalse(expired in error.message!!)
        }
        assertEquals(0, Testkit.counters()["exchanges"])
    }

    @Test
    fun `an unknown client is rejected with the server's words`() = runBlocking {
        val jwt = Testkit.servicePrincipalJwt()
        val config = Testkit.config().apply { clientId = "not-a-sp" }
        Credential(config, Source.fixed(jwt)).use { credential ->
            val error = assertThrows<DbfedException.Rejected> { runBlocking { credential.token() } }
            assertEquals(401, error.status)
            assertEquals("invalid_client", error.error)
            assertEquals(Testkit.workspaceTokenEndpoint, error.endpoint)
            assertEquals("Client 'not-a-sp' is not a service principal with federation policies", error.description)
            assertTrue(error.description!! in error.reason)
            assertFalse(jwt in error.message!! || jwt in error.toString())
            // The blocking call throws the same.
            assertEquals(401, assertThrows<DbfedException.Rejected> { credential.tokenBlocking() }.status)
        }
    }

    @Test
    fun `a policy mismatch says which claim`() {
        Testkit.addPolicy(SP_CLIENT_ID, listOf(AUDIENCE), SUBJECT)
        val wrongSubject = Testkit.mint("repo:acme/other:ref:refs/heads/main", listOf(AUDIENCE))
        Credential(Testkit.config(), Source.fixed(wrongSubject)).use { credential ->
            val error = assertThrows<DbfedException.Rejected> { credential.tokenBlocking() }
            assertEquals(400, error.status)
            assertEquals("invalid_grant", error.error)
            assertTrue("does not match federation policy subject" in error.description!!, error.description)
        }
    }

    @Test
    fun `a temporary failure keeps its Retry-After`() {
        Testkit.inject("path" to "/oidc/v1/token", "status" to 503, "retry_after" to "7")
        Credential(Testkit.config(), Source.fixed(Testkit.servicePrincipalJwt())).use { credential ->
            val error = assertThrows<DbfedException.Rejected> { credential.tokenBlocking() }
            assertEquals(503, error.status)
            assertEquals(Duration.ofSeconds(7), error.retryAfter)
        }
    }

    @Test
    fun `an unusable answer is malformed`() {
        Testkit.inject("path" to "/oidc/v1/token", "status" to 200, "body" to "<html>login</html>", "content_type" to "text/html")
        Credential(Testkit.config(), Source.fixed(Testkit.servicePrincipalJwt())).use { credential ->
            val error = assertThrows<DbfedException.Malformed> { credential.tokenBlocking() }
            assertEquals(200, error.status)
            assertEquals(Testkit.workspaceTokenEndpoint, error.endpoint)
        }
    }

    @Test
    fun `no answer is a transport error`() {
        val port = ServerSocket(0).use { it.localPort }
        val endpoint = "http://127.0.0.1:$port/oidc/v1/token"
        val config = CredentialConfig(tokenEndpoint = endpoint, audience = "x", network = NetworkSettings(retry = RetryPolicy(maxAttempts = 1)))
        Credential(config, Source.fixed("jwt")).use { credential ->
            val error = assertThrows<DbfedException.Transport> { credential.tokenBlocking() }
            assertEquals(endpoint, error.endpoint)
            assertTrue(error.retryable)
        }
    }

    @Test
    fun `a request that times out is a transport error`() {
        Testkit.inject("path" to "/oidc/v1/token", "delay_ms" to 3000)
        val config = Testkit.config().apply { network = network!!.copy(requestTimeout = Duration.ofMillis(200)) }
        Credential(config, Source.fixed(Testkit.servicePrincipalJwt())).use { credential ->
            val error = assertThrows<DbfedException.Transport> { credential.tokenBlocking() }
            assertTrue("timed out" in error.reason, error.reason)
            assertNull(credential.cachedToken())
        }
    }
}
