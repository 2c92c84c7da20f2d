package io.github.dbfed

import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/** Credentials with the local sources and both federation kinds, against the testkit. */
class CredentialTest {
    @BeforeEach
    fun reset() = Testkit.reset()

    private fun assertApiAccepts(token: AccessToken, principal: String) {
        assertEquals(200 to principal, Testkit.me(token.authorizationHeader()))
    }

    @Test
    fun `a fixed JWT is exchanged for a service principal token`() = runBlocking {
        Credential(Testkit.config(), Source.fixed(Testkit.servicePrincipalJwt())).use { credential ->
            assertApiAccepts(credential.token(), "sp:$SP_CLIENT_ID")
        }
        val form = Testkit.exchangeForm()
        assertEquals(SP_CLIENT_ID, form["client_id"])
        assertEquals("urn:ietf:params:oauth:grant-type:token-exchange", form["grant_type"])
        assertEquals("all-apis", form["scope"])
    }

    @Test
    fun `account-wide federation acts as the user`() = runBlocking {
        Testkit.addPolicy(clientId = null, audiences = listOf(AUDIENCE))
        val config = Testkit.config().apply { clientId = null }
        Credential(config, Source.fixed(Testkit.mint(USER, listOf(AUDIENCE)))).use { credential ->
            assertApiAccepts(credential.token(), USER)
        }
        assertFalse("client_id" in Testkit.exchangeForm())
    }

    @Test
    fun `an account host uses the account token endpoint`() = runBlocking {
        Testkit.settings("host_type" to "account")
        Testkit.addPolicy(clientId = null) // no audiences: the account id is expected
        val config = CredentialConfig(
            accountHost = Testkit.url,
            accountId = Testkit.accountId,
            network = NetworkSettings(retry = RetryPolicy(maxAttempts = 1)),
        )
        Credential(config, Source.fixed(Testkit.mint(USER, listOf(Testkit.accountId)))).use { credential ->
            assertApiAccepts(credential.token(), USER)
            assertEquals(Testkit.accountId, credential.accountId())
        }
        assertEquals("/oidc/accounts/${Testkit.accountId}/v1/token", Testkit.exchanges().getJSONObject(0).getString("path"))
    }

    @Test
    fun `an environment variable is read at every exchange`() {
        val jwt = Testkit.servicePrincipalJwt()
        NativeEnv.with("DBFED_KOTLIN_TEST_JWT" to jwt) {
            Credential(Testkit.config(), Source.envVar("DBFED_KOTLIN_TEST_JWT")).use { credential ->
                assertApiAccepts(credential.tokenBlocking(), "sp:$SP_CLIENT_ID")
                assertEquals("env", credential.sourceName())
            }
        }
        assertEquals(jwt, Testkit.exchangeForm()["subject_token"])
    }

    @Test
    fun `a credential from the environment uses the source it names`() {
        val jwt = Testkit.servicePrincipalJwt()
        NativeEnv.with(
            "DATABRICKS_HOST" to Testkit.url,
            "DATABRICKS_CLIENT_ID" to SP_CLIENT_ID,
            "DATABRICKS_TOKEN_AUDIENCE" to AUDIENCE,
            "DATABRICKS_AUTH_TYPE" to "env-oidc",
            "DATABRICKS_OIDC_TOKEN" to jwt,
        ) {
            Credential.fromEnv().use { credential ->
                assertEquals("env", credential.sourceName())
                assertApiAccepts(credential.tokenBlocking(), "sp:$SP_CLIENT_ID")
            }
        }
    }

    @Test
    fun `a file is read and trimmed`(@TempDir directory: Path) {
        val jwt = Testkit.servicePrincipalJwt()
        val file = directory.resolve("token")
        Files.writeString(file, "\n$jwt\n")
        Credential(Testkit.config(), Source.file(file.toString())).use { credential ->
            assertApiAccepts(credential.tokenBlocking(), "sp:$SP_CLIENT_ID")
        }
        assertEquals(jwt, Testkit.exchangeForm()["subject_token"])
    }

    @Test
    fun `the token describes itself`() = runBlocking {
        val before = Instant.now()
        Credential(Testkit.config(), Source.fixed(Testkit.servicePrincipalJwt())).use { credential ->
            val token = credential.token()
            assertEquals("Bearer", token.tokenType())
            assertEquals("all-apis", token.scope())
            val lifetime = Duration.between(before, token.expiresAt()).seconds
            assertTrue(lifetime in 3590..3610, "lifetime $lifetime s")
            assertTrue(token.remaining() <= Duration.ofHours(1) && token.remaining() > Duration.ofMinutes(59))
            assertEquals(mapOf("Authorization" to "Bearer ${token.token()}"), credential.headers())
            assertEquals(credential.headers(), credential.headersBlocking())
        }
    }

    @Test
    fun `tokens are cached until invalidated`() = runBlocking {
        Credential(Testkit.config(), Source.fixed(Testkit.servicePrincipalJwt())).use { credential ->
            assertNull(credential.cachedToken())
            val first = credential.token()
            assertEquals(first.token(), credential.tokenBlocking().token())
            assertEquals(first.token(), credential.cachedToken()?.token())
            assertEquals(1, Testkit.counters()["exchanges"])

            assertTrue(credential.invalidateToken(first))
            assertFalse(credential.invalidateToken(first), "a token already replaced is not invalidated twice")
            val second = credential.token()
            assertNotEquals(first.token(), second.token())

            credential.invalidate()
            assertNull(credential.cachedToken())
            credential.tokenBlocking()
            assertEquals(3, Testkit.counters()["exchanges"])
            val stats = credential.stats()
            assertEquals(3, stats.exchanges)
            assertEquals(0, stats.failures)
            assertTrue(stats.cacheHits >= 2, "$stats")
        }
    }

    @Test
    fun `a cached call returns the very token, without a request`() = runBlocking {
        Credential(Testkit.config(), Source.fixed(Testkit.servicePrincipalJwt())).use { credential ->
            val token = credential.token()
            repeat(100) { assertEquals(token.token(), credential.token().token()) }
            assertEquals(1, Testkit.counters()["exchanges"])
            assertTrue(credential.invalidateToken(credential.cachedToken()!!), "the cached handle is the cache's token")
        }
    }
}
