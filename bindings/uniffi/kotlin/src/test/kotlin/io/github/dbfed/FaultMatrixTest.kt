package io.github.dbfed

import java.io.File
import java.time.Duration
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.MethodSource

/**
 * A subset of the fault matrix (tests/cases/fault-matrix.json; every case runs in Rust and Python)
 * through the Kotlin API, against a cold cache: each case's outcome, a valid token or the
 * `DbfedException` of its kind with its status and words and no control character, within the
 * matrix's bound. The client is the matrix's: 2 s request timeouts, 5 attempts within 8 s.
 */
class FaultMatrixTest {
    @BeforeEach
    fun reset() = Testkit.reset()

    @ParameterizedTest(name = "{0}")
    @MethodSource("subset")
    fun `a cold credential meets the fault with the expected outcome`(name: String) {
        val case = CASES.getValue(name)
        injectFaultsOf(case)
        val expected = case.getJSONObject("cold")
        val started = System.nanoTime()
        Credential(config(), Source.fixed(Testkit.servicePrincipalJwt())).use { credential ->
            if (expected.optBoolean("token")) {
                val token = credential.tokenBlocking()
                assertTrue(token.remaining() > Duration.ZERO, "$token")
            } else {
                val error = runCatching { credential.tokenBlocking() }.exceptionOrNull()
                assertEquals(expected.getString("error"), error?.javaClass?.simpleName, "$error")
                error as DbfedException
                if (expected.has("status")) assertEquals(expected.getInt("status"), statusOf(error), "$error")
                val reason = reasonOf(error)
                assertTrue(expected.optString("contains") in reason, reason)
                assertFalse(reason.any { it < ' ' || it == '\u007f' }, reason)
                assertFalse(error.message.orEmpty().any { it < ' ' && it != '\n' || it == '\u007f' }, error.message)
            }
        }
        val took = Duration.ofNanos(System.nanoTime() - started)
        assertTrue(took < COLD_BOUND, "took $took")
    }

    @Test
    fun `the subset covers every kind of outcome`() {
        val outcomes = SUBSET.map { CASES.getValue(it).getJSONObject("cold").optString("error", "token") }.toSet()
        assertEquals(setOf("token", "Rejected", "Malformed", "Transport"), outcomes)
    }

    private fun config() = Testkit.config().apply {
        network = NetworkSettings(
            connectTimeout = Duration.ofSeconds(2),
            requestTimeout = Duration.ofSeconds(2),
            retry = RetryPolicy(initialBackoff = Duration.ofMillis(20), maxBackoff = Duration.ofMillis(100), totalBudget = Duration.ofSeconds(8)),
        )
    }

    /** The case's faults, for the token endpoint, in order (`nested_json_depth` makes the first one's body). */
    private fun injectFaultsOf(case: JSONObject) {
        val faults = case.getJSONArray("faults")
        for (index in 0 until faults.length()) {
            val fault = faults.getJSONObject(index).toMap() + ("path" to "/oidc/v1/token")
            val depth = case.optInt("nested_json_depth")
            val body = if (index == 0 && depth > 0) mapOf("body" to "[".repeat(depth) + "]".repeat(depth)) else emptyMap()
            Testkit.inject(*(fault + body).map { (key, value) -> key to value!! }.toTypedArray())
        }
    }

    private fun statusOf(error: DbfedException): Int? = when (error) {
        is DbfedException.Rejected -> error.status
        is DbfedException.Malformed -> error.status
        else -> null
    }

    private fun reasonOf(error: DbfedException): String = when (error) {
        is DbfedException.Rejected -> error.reason
        is DbfedException.Malformed -> error.reason
        is DbfedException.Transport -> error.reason
        is DbfedException.Source -> error.reason
        is DbfedException.Config -> error.reason
        is DbfedException.Internal -> error.reason
    }

    companion object {
        /** The matrix, from the repository's root (Surefire runs in bindings/uniffi/kotlin). */
        private val CASES: Map<String, JSONObject> by lazy {
            val matrix = JSONObject(File("../../../tests/cases/fault-matrix.json").readText())
            val cases = matrix.getJSONArray("cases")
            (0 until cases.length()).map { cases.getJSONObject(it) }.associateBy { it.getString("name") }
        }

        /** The cases run here: each outcome kind, and each family of fault (status, Retry-After, slowness, drops, bodies). */
        private val SUBSET = listOf(
            "500",
            "503 once, then served",
            "429 with Retry-After 1, then served",
            "429 with a Retry-After beyond the budget",
            "slow headers for ever",
            "slow body once, then served",
            "dropped (FIN) once, then served",
            "redirect",
            "body over 1 MiB",
            "deeply nested JSON",
            "access_token with CR LF",
            "expires_in 0.001",
            "expires_in 1e300 (held to ten years)",
            "an error description with terminal escapes",
            "an error body echoing a JWT",
        )

        /** A cold outcome's bound on a loaded 2-core machine, as the matrix says. */
        private val COLD_BOUND = Duration.ofSeconds(25)

        @JvmStatic
        fun subset(): List<String> = SUBSET
    }
}
