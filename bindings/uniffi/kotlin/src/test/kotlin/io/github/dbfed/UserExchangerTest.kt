package io.github.dbfed

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Acting for signed-in users: each user's own JWT exchanged and cached per user. */
class UserExchangerTest {
    @BeforeEach
    fun reset() {
        Testkit.reset()
        Testkit.addPolicy(clientId = null, audiences = listOf(AUDIENCE))
    }

    private fun users(vararg issuers: String) = UserExchanger(
        CredentialConfig(host = Testkit.url, network = NetworkSettings(retry = RetryPolicy(maxAttempts = 1))),
        UserCacheSettings(expectedIssuers = issuers.toList(), maxUsers = 100),
    )

    @Test
    fun `two users never get each other's token`() = runBlocking {
        val alice = Testkit.mint("alice@example.com", listOf(AUDIENCE))
        val bob = Testkit.mint("bob@example.com", listOf(AUDIENCE))
        users(Testkit.issuer).use { users ->
            val aliceToken = users.tokenFor(alice)
            val bobToken = users.tokenForBlocking(bob)
            assertNotEquals(aliceToken.token(), bobToken.token())
            assertEquals(200 to "alice@example.com", Testkit.me(aliceToken.authorizationHeader()))
            assertEquals(200 to "bob@example.com", Testkit.me(bobToken.authorizationHeader()))
            // Cached, each under its own user.
            assertEquals(aliceToken.token(), users.tokenFor(alice).token())
            assertEquals(bobToken.token(), users.cachedTokenFor(bob)?.token())
            val stats = users.stats()
            assertEquals(2, stats.entries)
            assertEquals(2, stats.exchanges)
        }
    }

    @Test
    fun `headersFor acts as the user, from the cache once there`() = runBlocking {
        val dave = Testkit.mint("dave@example.com", listOf(AUDIENCE))
        users().use { users ->
            val headers = users.headersFor(dave)
            val blocking = users.headersForBlocking(dave)
            assertEquals(setOf("Authorization"), headers.keys)
            assertEquals(200 to "dave@example.com", Testkit.me(headers.getValue("Authorization")))
            assertEquals(headers, blocking)
            assertEquals("Bearer ${users.cachedTokenFor(dave)?.token()}", blocking.getValue("Authorization"))
            assertThrows<DbfedException.Source> { users.headersForBlocking("not-a-jwt") }
        }
        assertEquals(1, Testkit.counters()["exchanges"])
    }

    @Test
    fun `1,000 concurrent calls for one user cause one exchange`() = runBlocking {
        val alice = Testkit.mint(USER, listOf(AUDIENCE))
        Testkit.inject("path" to "/oidc/v1/token", "delay_ms" to 500)
        users().use { users ->
            val tokens = withTimeout(30_000) {
                (1..1_000).map { async(Dispatchers.Default) { users.tokenFor(alice).token() } }.awaitAll()
            }
            assertEquals(1, tokens.toSet().size)
            assertEquals(1, Testkit.counters()["exchanges"])
            assertEquals(1, users.stats().exchanges)
        }
    }

    @Test
    fun `a JWT from another issuer is refused without a request`() {
        val stranger = Testkit.mint(USER, listOf(AUDIENCE), "iss" to "https://elsewhere.example.com")
        users(Testkit.issuer).use { users ->
            val error = assertThrows<DbfedException.Source> { users.tokenForBlocking(stranger) }
            assertTrue("issuer" in error.reason, error.reason)
            assertEquals(1, users.stats().refused)
            val notAJwt = assertThrows<DbfedException.Source> { runBlocking { users.tokenFor("not-a-jwt") } }
            assertTrue("not-a-jwt" !in notAJwt.message!!)
        }
        assertEquals(0, Testkit.counters()["exchanges"])
    }

    @Test
    fun `a user's token can be invalidated after a 401`() = runBlocking {
        val alice = Testkit.mint(USER, listOf(AUDIENCE))
        users().use { users ->
            val first = users.tokenFor(alice)
            assertTrue(users.invalidateTokenFor(alice, first))
            assertNull(users.cachedTokenFor(alice))
            assertNotEquals(first.token(), users.tokenFor(alice).token())
            assertEquals(2, Testkit.counters()["exchanges"])
        }
    }
}
