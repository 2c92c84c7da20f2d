package io.github.dbfed

import java.util.Base64
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * No panic crosses into the JVM: a bug of dbfed surfaces as `DbfedException.Internal` (inside the
 * `DbfedException` hierarchy, never uniffi's own `InternalException`) and later calls work; and
 * JWTs with claims at the extremes of time are diagnosed and refused like any other.
 */
class PanicTest {
    @BeforeEach
    fun reset() = Testkit.reset()

    private val internal = "dbfed internal error (a bug; please report it): a panic for dbfed's tests (at "

    /** An RS256 JWT with the JSON object `claims` and a made-up signature. */
    private fun unsigned(claims: String): String {
        fun part(json: String) = Base64.getUrlEncoder().withoutPadding().encodeToString(json.toByteArray())
        return "${part("""{"alg":"RS256","typ":"JWT"}""")}.${part(claims)}.c2lnbmF0dXJl"
    }

    /** The claims of a user's JWT for the testkit, with `times` (`"exp": …` and the like) added. */
    private fun userClaims(times: String) = """{"iss":"${Testkit.issuer}","aud":"$AUDIENCE","sub":"$USER",$times}"""

    private fun users(): UserExchanger {
        Testkit.addPolicy(null, listOf(AUDIENCE))
        return UserExchanger(CredentialConfig(host = Testkit.url, network = NetworkSettings(retry = RetryPolicy(maxAttempts = 1))))
    }

    /** A later call works: the runtime did not stop. */
    private fun assertStillWorks() {
        users().use { users ->
            val token = users.tokenForBlocking(Testkit.mint(USER, listOf(AUDIENCE)))
            assertEquals(USER, Testkit.me(token.authorizationHeader()).second)
        }
    }

    @Test
    fun `a panic in a call is a DbfedException`() {
        for (how in listOf("call", "blocking")) {
            val caught: DbfedException = assertThrows<DbfedException> { panicForTests(how) }
            assertTrue(caught is DbfedException.Internal, caught.toString())
            assertTrue((caught as DbfedException.Internal).reason.startsWith(internal), caught.reason)
        }
        assertStillWorks()
    }

    @Test
    fun `a panic in an async call is a DbfedException`() {
        val caught = assertThrows<DbfedException.Internal> { runBlocking { panicForTestsAsync() } }
        assertTrue(caught.reason.startsWith(internal), caught.reason)
        assertStillWorks()
    }

    @Test
    fun `claims beyond any date are diagnosed, not a panic`() {
        val policy = FederationPolicy(Testkit.issuer, audiences = listOf(AUDIENCE))
        for (exp in listOf("18446744073709551615", "9223372036854775808", "253402300800")) {
            assertEquals(emptyList<Mismatch>(), diagnose(unsigned(userClaims(""""exp":$exp""")), policy), exp)
        }
        for (nbf in listOf("253402300800", "9007199254740993", "9223372036854775808")) {
            val found = diagnose(unsigned(userClaims(""""exp":9223372036854775808,"nbf":$nbf""")), policy)
            assertEquals(listOf(MismatchKind.NOT_YET_VALID), found.map { it.kind }, nbf)
        }
        for (exp in listOf("-1", "1.5")) {
            val found = diagnose(unsigned(userClaims(""""exp":$exp""")), policy)
            assertEquals(listOf(MismatchKind.EXPIRED), found.map { it.kind }, exp)
        }
        val soon = System.currentTimeMillis() / 1000 + 3600
        assertEquals(emptyList<Mismatch>(), diagnose(unsigned(userClaims(""""exp":$soon.5""")), policy))
    }

    @Test
    fun `a credential's JWT beyond any date is diagnosed, not a panic`() {
        val policy = FederationPolicy(Testkit.issuer, audiences = listOf(AUDIENCE))
        val jwt = unsigned(userClaims(""""exp":18446744073709551615,"nbf":253402300800"""))
        Credential(Testkit.config(), Source.fixed(jwt)).use { credential ->
            val found = credential.diagnoseBlocking(policy)
            assertTrue(MismatchKind.NOT_YET_VALID in found.map { it.kind }, found.toString())
        }
        assertStillWorks()
    }

    @Test
    fun `a user's JWT beyond any date is a source or exchange error, not a panic`() {
        val times = listOf(
            """"exp":18446744073709551615""",
            """"exp":9223372036854775808""",
            """"exp":253402300800""",
            """"exp":9223372036854775808,"nbf":253402300800""",
            """"exp":9223372036854775808,"nbf":9007199254740993""",
            """"exp":-1""",
            """"exp":1.5""",
            """"exp":${System.currentTimeMillis() / 1000 + 3600}.5""",
        )
        users().use { users ->
            for (time in times) {
                val jwt = unsigned(userClaims(time))
                repeat(2) {
                    val caught = assertThrows<DbfedException> { users.tokenForBlocking(jwt) }
                    assertTrue(caught is DbfedException.Source || caught is DbfedException.Rejected, "$time: $caught")
                }
            }
        }
        assertStillWorks()
    }
}
