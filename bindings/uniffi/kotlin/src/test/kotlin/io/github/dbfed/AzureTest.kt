package io.github.dbfed

import java.nio.file.Files
import java.nio.file.Path
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir

/**
 * Azure Databricks with Entra tokens, against the testkit's Entra and IMDS look-alikes:
 * `Credential.azure` (client secret, client assertion, managed identity, from the environment)
 * and `AzureOnBehalfOf` (users signed in with Entra). A port of `python/tests/test_azure.py`.
 */
class AzureTest {
    /** The testkit with an Entra app that has a secret and trusts the testkit IdP's JWTs for
     * `FEDERATED_SUBJECT` and for the GitHub look-alike's `CI_SUBJECT`. */
    @BeforeEach
    fun reset() {
        Testkit.reset()
        Testkit.addEntraApp(
            "tenant" to TENANT,
            "client_id" to APP,
            "secret" to APP_SECRET,
            "federated_credentials" to listOf(
                mapOf("issuer" to Testkit.issuer, "subject" to FEDERATED_SUBJECT),
                mapOf("issuer" to Testkit.issuer, "subject" to CI_SUBJECT),
            ),
        )
    }

    private fun azureConfig(
        secret: String? = null,
        assertion: Source? = null,
    ) = AzureCredentialConfig(
        tenantId = TENANT,
        clientId = APP,
        clientSecret = secret?.let { ClientSecret(it) },
        clientAssertion = assertion,
        authorityHost = Testkit.entraAuthority,
        network = NetworkSettings(retry = RetryPolicy(maxAttempts = 1)),
    )

    private fun onBehalfOf(
        secret: String? = APP_SECRET,
        assertion: Source? = null,
        expectedAudiences: List<String> = emptyList(),
        maxUsers: Int? = null,
    ) = AzureOnBehalfOf(
        AzureOnBehalfOfConfig(
            tenantId = TENANT,
            clientId = APP,
            clientSecret = secret?.let { ClientSecret(it) },
            clientAssertion = assertion,
            authorityHost = Testkit.entraAuthority,
            cache = UserCacheSettings(expectedAudiences = expectedAudiences, maxUsers = maxUsers),
            network = NetworkSettings(retry = RetryPolicy(maxAttempts = 1)),
        ),
    )

    private fun userName(token: AccessToken): String? {
        val (status, name) = Testkit.me(token.authorizationHeader())
        assertEquals(200, status)
        return name
    }

    private fun userToken(upn: String, vararg more: Pair<String, Any>) =
        Testkit.mintEntraUserToken("tenant" to TENANT, "upn" to upn, "audience" to APP, *more)

    @Test
    fun `a client secret gets a token Azure Databricks accepts`() = runBlocking {
        Credential.azure(azureConfig(secret = APP_SECRET)).use { credential ->
            val token = credential.token()
            assertEquals("sp:$APP", userName(token))
            assertEquals(token.token(), credential.tokenBlocking().token())
            assertEquals(1, credential.stats().exchanges)
        }
        val request = Testkit.entraRequests().single() as org.json.JSONObject
        assertEquals("POST" to "/entra/$TENANT/oauth2/token", request.getString("method") to request.getString("path"))
        assertEquals(
            listOf(
                "grant_type" to "client_credentials",
                "client_id" to APP,
                "client_secret" to APP_SECRET,
                "resource" to AZURE_DATABRICKS,
            ),
            Testkit.entraFields(0),
        )
    }

    @Test
    fun `it is a credential like any other`() = runBlocking {
        Credential.azure(azureConfig(secret = APP_SECRET)).use { credential ->
            val token = credential.token()
            assertEquals(mapOf("Authorization" to "Bearer ${token.token()}"), credential.headersBlocking())
            assertTrue(credential.invalidateToken(token))
            assertNotEquals(token.token(), credential.tokenBlocking().token())
            assertEquals(null, credential.sourceName())
            assertEquals(null, credential.accountId())
            // Diagnosis and endpoints are about a token exchange, which this credential has not.
            val noExchange = assertThrows<DbfedException.Config> { credential.endpointsBlocking() }
            assertTrue("without a token exchange" in noExchange.reason, noExchange.reason)
            assertThrows<DbfedException.Config> { runBlocking { credential.diagnose(FederationPolicy(Testkit.issuer)) } }
        }
        assertEquals(2, Testkit.entraRequests().length())
    }

    @Test
    fun `a callback client assertion is asked at every Entra request`() {
        val asked = mutableListOf<String>()
        val assertions = mutableListOf<String>()
        val provider = object : SubjectTokenProvider {
            override suspend fun subjectToken(audience: String): String {
                asked += audience
                return Testkit.mint(FEDERATED_SUBJECT, listOf(audience), "lifetime_secs" to 60).also { assertions += it }
            }
        }
        Credential.azure(azureConfig(assertion = Source.callback(provider))).use { credential ->
            val first = credential.tokenBlocking()
            credential.invalidate()
            val second = credential.tokenBlocking()
            assertNotEquals(first.token(), second.token())
            assertEquals("sp:$APP", userName(second))
        }
        assertEquals(listOf(FEDERATED_AUDIENCE, FEDERATED_AUDIENCE), asked)
        assertEquals(2, Testkit.entraRequests().length())
        assertEquals(assertions, (0..1).map { Testkit.entraFields(it).toMap()["client_assertion"] })
        val form = Testkit.entraFields(0).toMap()
        assertEquals("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", form["client_assertion_type"])
        assertFalse("client_secret" in form)
    }

    @Test
    fun `a federated token file is the client assertion, read at every request`(@TempDir directory: Path) {
        val file = directory.resolve("azure-identity-token")
        val firstJwt = Testkit.mint(FEDERATED_SUBJECT, listOf(FEDERATED_AUDIENCE))
        Files.writeString(file, firstJwt)
        Credential.azure(azureConfig(assertion = Source.file(file.toString()))).use { credential ->
            assertEquals("sp:$APP", userName(credential.tokenBlocking()))
            val rotated = Testkit.mint(FEDERATED_SUBJECT, listOf(FEDERATED_AUDIENCE))
            Files.writeString(file, rotated)
            credential.invalidate()
            assertEquals("sp:$APP", userName(credential.tokenBlocking()))
            assertEquals(listOf(firstJwt, rotated), (0..1).map { Testkit.entraFields(it).toMap()["client_assertion"] })
        }
    }

    @Test
    fun `a GitHub Actions ID token is the client assertion`() {
        NativeEnv.with(
            "ACTIONS_ID_TOKEN_REQUEST_URL" to Testkit.githubRequestUrl,
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN" to GITHUB_REQUEST_TOKEN,
        ) {
            Credential.azure(azureConfig(assertion = Source.gitHubActions())).use { credential ->
                assertEquals("sp:$APP", userName(credential.tokenBlocking()))
            }
        }
        assertEquals(1, Testkit.counters()["ci_token_requests"])
        val form = Testkit.entraFields(0).toMap()
        assertEquals("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", form["client_assertion_type"])
        // Without the request token, the GitHub source fails and Entra is not asked.
        NativeEnv.with("ACTIONS_ID_TOKEN_REQUEST_URL" to Testkit.githubRequestUrl) {
            Credential.azure(azureConfig(assertion = Source.gitHubActions())).use { credential ->
                val error = assertThrows<DbfedException.Source> { credential.tokenBlocking() }
                assertEquals("github-actions", error.sourceName)
            }
        }
        assertEquals(1, Testkit.entraRequests().length())
    }

    @Test
    fun `a managed identity comes from IMDS`() {
        Testkit.addManagedIdentity("tenant" to TENANT, "client_id" to MANAGED_IDENTITY, "system_assigned" to true)
        val config = AzureCredentialConfig(managedIdentity = true, imdsEndpoint = Testkit.imdsEndpoint)
        Credential.azure(config).use { credential ->
            assertEquals("sp:$MANAGED_IDENTITY", userName(credential.tokenBlocking()))
        }
        val request = Testkit.entraRequests().getJSONObject(0)
        assertEquals("GET" to "/metadata/identity/oauth2/token", request.getString("method") to request.getString("path"))
        assertEquals(mapOf("api-version" to "2018-02-01", "resource" to AZURE_DATABRICKS), Testkit.entraFields(0, "query").toMap())
    }

    @Test
    fun `a user-assigned managed identity is named by its client id`() {
        Testkit.addManagedIdentity("tenant" to TENANT, "client_id" to MANAGED_IDENTITY)
        val config = AzureCredentialConfig(clientId = MANAGED_IDENTITY, managedIdentity = true, imdsEndpoint = Testkit.imdsEndpoint)
        Credential.azure(config).use { credential ->
            assertEquals("sp:$MANAGED_IDENTITY", userName(credential.tokenBlocking()))
        }
        assertEquals(MANAGED_IDENTITY, Testkit.entraFields(0, "query").toMap()["client_id"])
    }

    @Test
    fun `fromEnv reads the Azure Identity variables`(@TempDir directory: Path) {
        NativeEnv.with(
            "AZURE_AUTHORITY_HOST" to Testkit.entraAuthority,
            "AZURE_TENANT_ID" to TENANT,
            "AZURE_CLIENT_ID" to APP,
            "AZURE_CLIENT_SECRET" to APP_SECRET,
        ) {
            Credential.azureFromEnv().use { credential ->
                assertEquals("sp:$APP", userName(credential.tokenBlocking()))
                assertEquals("AzureCredential.fromEnv()", credential.toString())
            }
        }
        // AKS workload identity: the projected token file, read at every Entra request.
        val file = directory.resolve("azure-identity-token")
        val jwt = Testkit.mint(FEDERATED_SUBJECT, listOf(FEDERATED_AUDIENCE))
        Files.writeString(file, jwt)
        NativeEnv.with(
            "AZURE_AUTHORITY_HOST" to Testkit.entraAuthority,
            "AZURE_TENANT_ID" to TENANT,
            "AZURE_CLIENT_ID" to APP,
            "AZURE_FEDERATED_TOKEN_FILE" to file.toString(),
        ) {
            Credential.azureFromEnv(AzureCredentialConfig(network = NetworkSettings(retry = RetryPolicy(maxAttempts = 1)))).use { credential ->
                assertEquals("sp:$APP", userName(credential.tokenBlocking()))
            }
        }
        assertEquals(jwt, Testkit.entraFields(1).toMap()["client_assertion"])
    }

    @Test
    fun `fromEnv with a managed identity`() {
        Testkit.addManagedIdentity("tenant" to TENANT, "client_id" to MANAGED_IDENTITY)
        NativeEnv.with(
            "AZURE_POD_IDENTITY_AUTHORITY_HOST" to Testkit.url,
            "AZURE_CLIENT_ID" to MANAGED_IDENTITY,
        ) {
            Credential.azureFromEnv(AzureCredentialConfig(managedIdentity = true)).use { credential ->
                assertEquals("sp:$MANAGED_IDENTITY", userName(credential.tokenBlocking()))
                assertEquals("AzureCredential.fromEnv(managedIdentity=true)", credential.toString())
            }
        }
    }

    @Test
    fun `Entra's refusals are rejections in Entra's words`() {
        Credential.azure(azureConfig(secret = "wrong")).use { credential ->
            val error = assertThrows<DbfedException.Rejected> { credential.tokenBlocking() }
            assertEquals(401 to "invalid_client", error.status to error.error)
            assertEquals("${Testkit.entraAuthority}/$TENANT/oauth2/token", error.endpoint)
            assertTrue(error.description!!.startsWith("AADSTS7000215"), error.description)
        }

        val unknown = AzureCredentialConfig(managedIdentity = true, imdsEndpoint = Testkit.imdsEndpoint, network = NetworkSettings(retry = RetryPolicy(maxAttempts = 1)))
        Credential.azure(unknown).use { credential ->
            val error = assertThrows<DbfedException.Rejected> { runBlocking { credential.token() } }
            assertEquals(400, error.status)
            assertTrue("Identity not found" in error.reason, error.reason)
        }

        val failing = object : SubjectTokenProvider {
            override suspend fun subjectToken(audience: String): String = throw IllegalStateException("no assertion today")
        }
        Credential.azure(azureConfig(assertion = Source.callback(failing))).use { credential ->
            val error = assertThrows<DbfedException.Source> { credential.tokenBlocking() }
            assertTrue("no assertion today" in error.reason, error.reason)
        }
        assertEquals(2, Testkit.entraRequests().length(), "no request without an assertion")
    }

    @Test
    fun `on-behalf-of sends the exact form and acts as each user`() = runBlocking {
        val alice = userToken(ALICE)
        val bob = Testkit.mintEntraUserToken("tenant" to TENANT, "upn" to BOB, "audience" to "api://$APP")
        onBehalfOf().use { users ->
            assertEquals(ALICE, userName(users.tokenFor(alice)))
            assertEquals(BOB, userName(users.tokenForBlocking(bob)))
            val headers = users.headersForBlocking(bob)
            assertEquals(mapOf("Authorization" to users.tokenForBlocking(bob).authorizationHeader()), headers)
            assertEquals(headers, users.headersFor(bob))
        }
        val first = Testkit.entraRequests().getJSONObject(0)
        assertEquals("POST" to "/entra/$TENANT/oauth2/v2.0/token", first.getString("method") to first.getString("path"))
        assertEquals("application/x-www-form-urlencoded", first.getString("content_type"))
        assertEquals(
            listOf(
                "grant_type" to "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "client_id" to APP,
                "client_secret" to APP_SECRET,
                "assertion" to alice,
                "scope" to "$AZURE_DATABRICKS/user_impersonation",
                "requested_token_use" to "on_behalf_of",
            ),
            Testkit.entraFields(0),
        )
    }

    @Test
    fun `on-behalf-of caches per user with one request per user`() = runBlocking {
        val alice = userToken(ALICE)
        val bob = userToken(BOB)
        Testkit.inject("path" to "/entra/", "delay_ms" to 300, "count" to 2)
        onBehalfOf().use { users ->
            val tokens = withTimeout(30_000) {
                (0 until 200).map { n -> async(Dispatchers.Default) { users.tokenFor(if (n % 2 == 1) alice else bob) } }.awaitAll()
            }
            assertEquals(2, tokens.map { it.token() }.toSet().size)
            assertEquals(tokens[1].token(), users.tokenFor(alice).token())
            assertEquals(tokens[0].token(), users.tokenForBlocking(bob).token())
            assertEquals(2, Testkit.entraRequests().length())
            val stats = users.stats()
            assertEquals(Triple(2L, 2L, 0L), Triple(stats.entries, stats.exchanges, stats.failures))
            assertTrue(users.invalidateTokenFor(alice, tokens[1]))
            assertNotEquals(tokens[1].token(), users.tokenFor(alice).token())
            assertNotNull(users.cachedTokenFor(bob))
        }
    }

    @Test
    fun `on-behalf-of with a client assertion`() {
        val asked = mutableListOf<String>()
        val provider = object : SubjectTokenProvider {
            override suspend fun subjectToken(audience: String): String {
                asked += audience
                return Testkit.mint(FEDERATED_SUBJECT, listOf(audience), "lifetime_secs" to 60)
            }
        }
        onBehalfOf(secret = null, assertion = Source.callback(provider)).use { users ->
            for (upn in listOf(ALICE, BOB)) {
                assertEquals(upn, userName(users.tokenForBlocking(userToken(upn))))
            }
        }
        assertEquals(listOf(FEDERATED_AUDIENCE, FEDERATED_AUDIENCE), asked, "asked at every request")
        val form = Testkit.entraFields(1).toMap()
        assertEquals("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", form["client_assertion_type"])
        assertFalse("client_secret" in form)
    }

    @Test
    fun `on-behalf-of refusals`() {
        onBehalfOf(expectedAudiences = listOf(APP, "api://$APP")).use { users ->
            val otherApp = Testkit.mintEntraUserToken("tenant" to TENANT, "upn" to ALICE, "audience" to "another-app")
            val audience = assertThrows<DbfedException.Source> { users.tokenForBlocking(otherApp) }
            assertTrue("audience" in audience.reason, audience.reason)
            val expired = assertThrows<DbfedException.Source> { runBlocking { users.tokenFor(userToken(ALICE, "expired" to true)) } }
            assertTrue("expired" in expired.reason, expired.reason)
            assertEquals(0, Testkit.entraRequests().length())

            val otherTenant = Testkit.mintEntraUserToken("tenant" to "contoso.onmicrosoft.com", "upn" to ALICE, "audience" to APP)
            val rejected = assertThrows<DbfedException.Rejected> { users.tokenForBlocking(otherTenant) }
            assertEquals(400 to "invalid_grant", rejected.status to rejected.error)
            assertTrue("invalid issuer" in rejected.description!!, rejected.description)
            assertEquals(2L, users.stats().refused)
        }
        // The rules are cases of tests/cases/options.json (OptionsCasesTest); a negative Int too.
        val negative = assertThrows<DbfedException.Config> { onBehalfOf(maxUsers = -1) }
        assertTrue("`maxUsers` must be at least 1, not -1" in negative.reason, negative.reason)
    }

    @Test
    fun `toString and errors show no secret or token`() = runBlocking {
        val credential = Credential.azure(azureConfig(secret = APP_SECRET))
        val token = credential.token()
        val users = onBehalfOf(maxUsers = 100)
        val alice = userToken(ALICE)
        val userToken = users.tokenFor(alice)
        val refused = assertThrows<DbfedException.Rejected> {
            Credential.azure(azureConfig(secret = "wrong-$APP_SECRET")).use { it.tokenBlocking() }
        }
        val assertion = Testkit.mint(FEDERATED_SUBJECT, listOf(FEDERATED_AUDIENCE))
        val federatedConfig = azureConfig(assertion = Source.fixed(assertion))
        val federated = Credential.azure(federatedConfig)
        val secretConfig = azureConfig(secret = APP_SECRET)

        val shown = listOf(credential, token, users, userToken, federated, federatedConfig, secretConfig, refused, refused.message)
            .map { it.toString() }
        for (text in shown) {
            for (secret in listOf(APP_SECRET, token.token(), alice, userToken.token(), assertion)) {
                assertFalse(secret in text, "$text shows a secret")
            }
        }
        assertEquals(
            "AzureCredential(tenantId=\"$TENANT\", clientId=\"$APP\", clientSecret=<redacted>, authorityHost=\"${Testkit.entraAuthority}\")",
            credential.toString(),
        )
        assertEquals(
            "AzureCredential(tenantId=\"$TENANT\", clientId=\"$APP\", clientAssertion=Fixed(<redacted>), authorityHost=\"${Testkit.entraAuthority}\")",
            federated.toString(),
        )
        assertEquals(
            "AzureOnBehalfOf(tenantId=\"$TENANT\", clientId=\"$APP\", clientSecret=<redacted>, authorityHost=\"${Testkit.entraAuthority}\", maxUsers=100)",
            users.toString(),
        )
        assertEquals("ClientSecret(<redacted>)", ClientSecret(APP_SECRET).toString())
        assertTrue("clientSecret=ClientSecret(<redacted>)" in secretConfig.toString(), secretConfig.toString())
        listOf(credential, users, federated).forEach { it.close() }
    }
}
