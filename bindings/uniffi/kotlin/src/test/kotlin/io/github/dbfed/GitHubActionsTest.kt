package io.github.dbfed

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test

/**
 * `Source.gitHubActions()` against the testkit's GitHub look-alike. The variables the source
 * reads are set in the process environment through the C library, where the native code reads
 * them (the testkit's port is known only once it runs, so Surefire cannot set them beforehand).
 */
class GitHubActionsTest {
    @BeforeEach
    fun reset() = Testkit.reset()

    @Test
    fun `the job's ID token is requested once and exchanged`() {
        // The look-alike's JWTs carry this subject, for the audience asked for.
        Testkit.addPolicy(SP_CLIENT_ID, listOf(AUDIENCE), "repo:acme/pipelines:environment:prod")
        NativeEnv.with(
            "ACTIONS_ID_TOKEN_REQUEST_URL" to Testkit.githubRequestUrl,
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN" to GITHUB_REQUEST_TOKEN,
        ) {
            Credential(Testkit.config(), Source.gitHubActions()).use { credential ->
                val token = runBlocking { credential.token() }
                assertEquals(200 to "sp:$SP_CLIENT_ID", Testkit.me(token.authorizationHeader()))
                credential.invalidate()
                runBlocking { credential.token() }
                assertEquals("github-actions", credential.sourceName())
            }
        }
        val counters = Testkit.counters()
        assertEquals(2, counters["exchanges"])
        assertEquals(1, counters["ci_token_requests"], "the GitHub JWT is cached until shortly before it expires")
    }
}
