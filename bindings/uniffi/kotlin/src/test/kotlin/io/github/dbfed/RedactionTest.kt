package io.github.dbfed

import java.time.Duration
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test

/** No `toString()` shows a token or a JWT. */
class RedactionTest {
    @BeforeEach
    fun reset() = Testkit.reset()

    @Test
    fun `no object shows a token or a JWT`() = runBlocking {
        val jwt = Testkit.servicePrincipalJwt()
        val source = Source.fixed(jwt)
        Credential(Testkit.config(), source).use { credential ->
            val token = credential.token()
            Testkit.addPolicy(clientId = null, audiences = listOf(AUDIENCE))
            val userJwt = Testkit.mint(USER, listOf(AUDIENCE))
            UserExchanger(CredentialConfig(host = Testkit.url)).use { users ->
                val userToken = users.tokenFor(userJwt)
                val shown = listOf(source, credential, token, users, userToken, credential.stats(), users.stats())
                    .map { it.toString() }
                for (text in shown) {
                    for (secret in listOf(jwt, userJwt, token.token(), userToken.token())) {
                        assertFalse(secret in text, "$text shows a secret")
                    }
                }
                assertEquals("Fixed(<redacted>)", source.toString())
                assertTrue(token.toString().startsWith("Bearer token <redacted>, expires in "), token.toString())
                assertEquals(
                    "Credential(host=\"${Testkit.url}\", clientId=\"$SP_CLIENT_ID\", audience=\"$AUDIENCE\", source=Fixed(<redacted>))",
                    credential.toString(),
                )
                assertEquals("UserExchanger(host=\"${Testkit.url}\")", users.toString())
            }
        }
    }

    @Test
    fun `mismatches, endpoints and policies show no JWT`() = runBlocking {
        val jwt = Testkit.mint("someone", listOf("x"), "iss" to "https://gitlab.com")
        val policy = FederationPolicy(Testkit.issuer, listOf(AUDIENCE), SUBJECT)
        Credential(Testkit.config(), Source.fixed(jwt)).use { credential ->
            val found = credential.diagnose(policy)
            assertEquals(3, found.size, "$found")
            val shown = listOf(found, diagnose(jwt, policy), credential.endpoints(), policy, credential).map { it.toString() }
            for (text in shown) {
                assertFalse(jwt in text || jwt.split(".")[2] in text || jwt.split(".")[1] in text, "$text shows the JWT")
            }
        }
    }

    @Test
    fun `sources describe themselves`() {
        assertEquals("EnvVar(\"MY_JWT\")", Source.envVar("MY_JWT").toString())
        assertEquals("File(\"/var/run/token\")", Source.file("/var/run/token").toString())
        assertEquals("GitHubActions()", Source.gitHubActions().toString())
        assertEquals("Kubernetes()", Source.kubernetes().toString())
        assertEquals("Kubernetes(\"/token\")", Source.kubernetes("/token").toString())
        assertEquals("GitLab(\"GITLAB_ID_TOKEN\")", Source.gitLab("GITLAB_ID_TOKEN").toString())
        assertEquals("CircleCI()", Source.circleCi().toString())
        // A command's arguments are counted, never shown (one may be a password or a JWT).
        assertEquals("Command(\"/bin/get-jwt\")", Source.command("/bin/get-jwt").toString())
        assertEquals(
            "Command(\"/bin/get-jwt\", <2 arguments>, timeout=PT5S)",
            Source.command("/bin/get-jwt", listOf("--password", "hunter2"), Duration.ofSeconds(5)).toString(),
        )
        assertEquals("AzureDevOps()", Source.azureDevOps().toString())
        assertEquals("AzureDevOps(serviceConnection=\"sc-1\")", Source.azureDevOps("sc-1").toString())
        assertEquals("GcpMetadata(host=\"127.0.0.1:8080\")", Source.gcpMetadata(host = "127.0.0.1:8080").toString())
        val secret = ClientSecret("s3cr3t")
        val oidc = OidcClientCredentialsConfig("https://idp.example.com", "svc", clientSecret = secret)
        assertEquals(
            "OidcClientCredentials(\"https://idp.example.com\", \"svc\", authMethod=\"client_secret_basic\")",
            Source.oidcClientCredentials(oidc).toString(),
        )
        assertFalse("s3cr3t" in oidc.toString(), "$oidc shows the secret")
        val provider = object : SubjectTokenProvider {
            override suspend fun subjectToken(audience: String) = "a.jwt.here"
        }
        assertEquals("Callback()", Source.callback(provider).toString())
        // A duration shows as java.time.Duration shows it.
        for (timeout in listOf(Duration.ofMillis(1500), Duration.ofSeconds(90), Duration.ofHours(2).plusNanos(7))) {
            assertEquals("Callback(timeout=$timeout)", Source.callback(provider, timeout).toString())
        }
        assertEquals(
            "Chain(GitHubActions(audience=\"x\"), Fixed(<redacted>))",
            Source.chain(listOf(Source.gitHubActions("x"), Source.fixed("secret.jwt.value"))).toString(),
        )
    }
}
