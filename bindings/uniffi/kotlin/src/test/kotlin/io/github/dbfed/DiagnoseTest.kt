package io.github.dbfed

import java.time.Duration
import java.time.Instant
import java.util.Base64
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * Diagnosis: `diagnose` names every mismatch between a JWT and a federation policy, and
 * `Credential.diagnose` does it with the credential's own source and audience. A port of
 * `python/tests/test_diagnose.py`.
 */
class DiagnoseTest {
    @BeforeEach
    fun reset() = Testkit.reset()

    /** A JWT with header `alg` and `claims`, and a made-up signature (diagnosis never verifies). */
    private fun unsigned(alg: String, claims: Map<String, Any>): String {
        fun part(value: Map<String, Any>) =
            Base64.getUrlEncoder().withoutPadding().encodeToString(org.json.JSONObject(value).toString().toByteArray())
        return "${part(mapOf("alg" to alg, "typ" to "JWT"))}.${part(claims)}.c2lnbmF0dXJl"
    }

    /** The service principal's policy: the testkit's issuer, `AUDIENCE`, `SUBJECT`. */
    private fun policy(
        audiences: List<String> = listOf(AUDIENCE),
        subject: String? = SUBJECT,
        subjectClaim: String? = null,
    ) = FederationPolicy(Testkit.issuer, audiences, subject, subjectClaim)

    @Test
    fun `a matching JWT has no mismatch`() {
        for (alg in listOf("RS256", "ES256")) {
            val jwt = Testkit.mint(SUBJECT, listOf(AUDIENCE), "alg" to alg)
            assertEquals(emptyList<Mismatch>(), diagnose(jwt, policy()), alg)
        }
        val accountPolicy = FederationPolicy(issuer = Testkit.issuer)
        val userJwt = Testkit.mint(USER, listOf(Testkit.accountId))
        assertEquals(emptyList<Mismatch>(), diagnose(userJwt, accountPolicy, Testkit.accountId))
    }

    @Test
    fun `each kind of mismatch is named`() {
        val issuer = Testkit.issuer
        val other = "repo:acme/other:ref:refs/heads/main"
        val cases = listOf(
            Triple("not-a-jwt", policy(), Mismatch(MismatchKind.NOT_A_JWT, "not a JWT: InvalidToken")),
            Triple(
                unsigned("HS256", mapOf("iss" to issuer, "aud" to AUDIENCE, "sub" to SUBJECT)),
                policy(),
                Mismatch(
                    MismatchKind.UNSUPPORTED_ALGORITHM,
                    "signed with HS256; Databricks accepts only RS256 and ES256",
                    claim = "alg",
                    actual = listOf("HS256"),
                    expected = listOf("RS256", "ES256"),
                ),
            ),
            Triple(
                Testkit.mint(SUBJECT, listOf(AUDIENCE), "iss" to "https://gitlab.com"),
                policy(),
                Mismatch(
                    MismatchKind.WRONG_ISSUER,
                    "wrong issuer: the JWT's iss is \"https://gitlab.com\" but the policy expects \"$issuer\"",
                    claim = "iss",
                    actual = listOf("https://gitlab.com"),
                    expected = listOf(issuer),
                ),
            ),
            Triple(
                Testkit.mint(SUBJECT, listOf("x", "y")),
                policy(),
                Mismatch(
                    MismatchKind.AUDIENCE_NOT_ACCEPTED,
                    "audience not accepted: the JWT's aud is [\"x\", \"y\"] but the policy accepts [\"$AUDIENCE\"]",
                    claim = "aud",
                    actual = listOf("x", "y"),
                    expected = listOf(AUDIENCE),
                ),
            ),
            Triple(
                Testkit.mint(other, listOf(AUDIENCE)),
                policy(),
                Mismatch(
                    MismatchKind.WRONG_SUBJECT,
                    "subject mismatch: the JWT's sub is \"$other\" but the policy expects \"$SUBJECT\"",
                    claim = "sub",
                    actual = listOf(other),
                    expected = listOf(SUBJECT),
                ),
            ),
            Triple(
                Testkit.mint(USER, listOf(AUDIENCE)),
                policy(subject = null, subjectClaim = "email"),
                Mismatch(
                    MismatchKind.MISSING_SUBJECT_CLAIM,
                    "the JWT has no email claim, which the policy uses as the Databricks user name",
                    claim = "email",
                ),
            ),
        )
        for ((jwt, checked, expected) in cases) {
            assertEquals(listOf(expected), diagnose(jwt, checked), expected.kind.toString())
        }

        val now = Instant.now()
        val expired = diagnose(Testkit.mint(SUBJECT, listOf(AUDIENCE), "expired" to true), policy()).single()
        assertEquals(MismatchKind.EXPIRED to "exp", expired.kind to expired.claim)
        assertTrue(expired.at!! > now - Duration.ofMinutes(5) && expired.at!! < now, "${expired.at}")
        assertTrue(expired.message.startsWith("expired at "), expired.message)

        val early = diagnose(Testkit.mint(SUBJECT, listOf(AUDIENCE), "not_before_in_secs" to 3600), policy()).single()
        assertEquals(MismatchKind.NOT_YET_VALID to "nbf", early.kind to early.claim)
        assertTrue(early.at!! > now + Duration.ofMinutes(55), "${early.at}")
        assertTrue(early.message.startsWith("not valid before "), early.message)
    }

    @Test
    fun `every mismatch of a JWT is named at once`() {
        val jwt = Testkit.mint("someone", listOf("x"), "iss" to "https://gitlab.com", "expired" to true)

        val found = diagnose(jwt, policy())

        assertEquals(
            listOf(MismatchKind.WRONG_ISSUER, MismatchKind.AUDIENCE_NOT_ACCEPTED, MismatchKind.WRONG_SUBJECT, MismatchKind.EXPIRED),
            found.map { it.kind },
        )
        assertEquals(
            listOf(
                "NOT_A_JWT", "UNSUPPORTED_ALGORITHM", "WRONG_ISSUER", "AUDIENCE_NOT_ACCEPTED",
                "WRONG_SUBJECT", "MISSING_SUBJECT_CLAIM", "EXPIRED", "NOT_YET_VALID",
            ),
            MismatchKind.entries.map { it.name },
        )
    }

    @Test
    fun `the token endpoint trap is recognised`() {
        val jwt = Testkit.mint(SUBJECT, listOf(Testkit.workspaceTokenEndpoint))

        val mismatch = diagnose(jwt, policy(audiences = emptyList()), accountId = Testkit.accountId).single()

        assertEquals(MismatchKind.AUDIENCE_NOT_ACCEPTED, mismatch.kind)
        assertTrue(mismatch.tokenEndpointTrap)
        assertEquals(listOf(Testkit.accountId), mismatch.expected, "a policy without audiences expects the account id")
        assertTrue("usually the account id" in mismatch.message, mismatch.message)
        assertEquals(emptyList<Mismatch>(), diagnose(jwt, policy(audiences = emptyList())), "without an account id, the audience is unknowable")
        val other = diagnose(Testkit.mint(SUBJECT, listOf("x")), policy()).single()
        assertFalse(other.tokenEndpointTrap, "an audience that is no token endpoint is no trap")
    }

    @Test
    fun `a credential diagnoses its own JWT without exchanging`() = runBlocking {
        val config = Testkit.config().apply { accountId = Testkit.accountId }
        Credential(config, Source.fixed(Testkit.mint(SUBJECT, listOf("x")))).use { credential ->
            assertEquals(listOf(MismatchKind.AUDIENCE_NOT_ACCEPTED), credential.diagnose(policy()).map { it.kind })
            assertEquals(emptyList<Mismatch>(), credential.diagnoseBlocking(policy(audiences = listOf("x"))))
            // A policy without audiences expects the configured account id.
            val mismatch = credential.diagnose(policy(audiences = emptyList())).single()
            assertEquals(listOf(Testkit.accountId), mismatch.expected)
        }
        assertEquals(0, Testkit.counters()["exchanges"])
    }

    @Test
    fun `the JWT is asked for the credential's resolved audience`() = runBlocking {
        Testkit.settings("default_audiences" to listOf("from-host-metadata"))
        val asked = mutableListOf<String>()
        val provider = object : SubjectTokenProvider {
            override suspend fun subjectToken(audience: String): String {
                asked += audience
                return Testkit.mint(SUBJECT, listOf(audience))
            }
        }
        val config = Testkit.config().apply { audience = null }
        Credential(config, Source.callback(provider)).use { credential ->
            val found = credential.diagnose(policy())
            assertEquals(listOf("from-host-metadata"), found.single().actual)
        }
        assertEquals(listOf("from-host-metadata"), asked)
    }

    @Test
    fun `a failing source fails the diagnosis`() {
        Credential(Testkit.config(), Source.envVar("DBFED_TEST_SURELY_UNSET")).use { credential ->
            val blocking = assertThrows<DbfedException.Source> { credential.diagnoseBlocking(policy()) }
            assertTrue("DBFED_TEST_SURELY_UNSET" in blocking.reason, blocking.reason)
            val suspending = assertThrows<DbfedException.Source> { runBlocking { credential.diagnose(policy()) } }
            assertEquals("env", suspending.sourceName)
        }
    }

    @Test
    fun `a policy is a value with defaults`() {
        val sp = FederationPolicy("https://token.actions.githubusercontent.com", listOf("acc"), subject = "repo:acme/etl:ref:main")
        assertEquals(sp, FederationPolicy("https://token.actions.githubusercontent.com", listOf("acc"), "repo:acme/etl:ref:main", null))
        assertNotEquals(sp, sp.copy(subjectClaim = "email"))
        val accountWide = FederationPolicy("https://idp")
        assertEquals(emptyList<String>(), accountWide.audiences)
        assertEquals(null, accountWide.subject)
        assertEquals(null, accountWide.subjectClaim)
    }
}
