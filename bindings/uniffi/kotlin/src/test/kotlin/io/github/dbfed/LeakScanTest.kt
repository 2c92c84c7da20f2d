package io.github.dbfed

import ch.qos.logback.classic.Level
import java.net.URLEncoder
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * The JVM's leak scan (a port of the Rust one, crates/dbfed/tests/integration/security.rs): with
 * dbfed's loggers at TRACE, through an exchange, a refused refresh whose server echoes the JWT, a
 * per-user exchange and a refused one echoing the user's JWT, and a client-secret IdP (Entra) that
 * echoes the secret, and URLs carrying a password (configured, and discovered), no error message
 * or field, `toString()` or log record shows a token, a JWT, a JWT's signature, the secret or the
 * password.
 */
class LeakScanTest {
    /** Every text [error] shows: `toString()`, `message`, `reason` and the server's own words. */
    private fun shownBy(error: DbfedException): List<String?> = listOf(error.toString(), error.message) + when (error) {
        is DbfedException.Rejected -> listOf(error.reason, error.error, error.description, error.endpoint, error.requestId)
        is DbfedException.Source -> listOf(error.reason, error.sourceName)
        is DbfedException.Malformed -> listOf(error.reason, error.endpoint)
        is DbfedException.Transport -> listOf(error.reason, error.endpoint)
        is DbfedException.Config -> listOf(error.reason)
        is DbfedException.Internal -> listOf(error.reason)
    }

    /** Makes the next requests under [path] answer [status] with an `error_description` of [description]. */
    private fun echo(path: String, status: Int, error: String, description: String) {
        val body = JSONObject(mapOf("error" to error, "error_description" to description)).toString()
        Testkit.inject("path" to path, "status" to status, "count" to 10, "body" to body)
    }

    @Test
    fun `nothing shown or logged at TRACE holds a token, a JWT, a signature or a secret`() {
        Testkit.reset()
        val shown = mutableListOf<String?>()
        val secrets = mutableListOf<String>()
        Logs.collect(Level.TRACE).use { logs ->
            // An exchange, then a refused refresh whose server echoes the JWT and its signature.
            val jwt = Testkit.servicePrincipalJwt()
            val signature = jwt.substringAfterLast('.')
            val source = Source.fixed(jwt)
            Credential(Testkit.config(), source).use { credential ->
                val token = credential.tokenBlocking()
                shown += listOf(source, credential, token, credential.stats(), credential.endpointsBlocking()).map { it.toString() }
                echo("/oidc/v1/token", 400, "invalid_request", "subject_token $jwt is bad; sig $signature")
                credential.invalidateToken(token)
                val refused = assertThrows<DbfedException.Rejected> { credential.tokenBlocking() }
                assertTrue("<redacted>" in refused.reason, refused.reason)
                shown += shownBy(refused)
                secrets += listOf(jwt, signature, token.token())
            }
            Testkit.reset()

            // A per-user exchange, then a refused one whose server echoes that user's JWT.
            Testkit.addPolicy(clientId = null, audiences = listOf(AUDIENCE))
            val userJwt = Testkit.mint(USER, listOf(AUDIENCE))
            val otherJwt = Testkit.mint("bob@example.com", listOf(AUDIENCE))
            UserExchanger(CredentialConfig(host = Testkit.url, network = NetworkSettings(retry = RetryPolicy(maxAttempts = 1)))).use { users ->
                val userToken = users.tokenForBlocking(userJwt)
                shown += listOf(users, userToken, users.stats()).map { it.toString() }
                echo("/oidc/v1/token", 401, "invalid_grant", "bad subject_token $otherJwt")
                shown += shownBy(assertThrows<DbfedException.Rejected> { users.tokenForBlocking(otherJwt) })
                secrets += listOf(userJwt, userJwt.substringAfterLast('.'), otherJwt, otherJwt.substringAfterLast('.'), userToken.token())
            }
            Testkit.reset()

            // URLs carrying a password: configured (refused when built), and named by discovery.
            val password = "hunter2-jvm-url-password"
            val withPassword = { path: String -> "${Testkit.url}$path".replaceFirst("://", "://admin:$password@") }
            val jwtForUrls = Testkit.servicePrincipalJwt()
            for (config in listOf(
                Testkit.config().copy(host = withPassword("")),
                Testkit.config().copy(tokenEndpoint = withPassword("/oidc/v1/token")),
            )) {
                shown += shownBy(assertThrows<DbfedException.Config> { Credential(config, Source.fixed(jwtForUrls)) })
            }
            val discovery = "/oidc/.well-known/oauth-authorization-server"
            Testkit.inject("path" to discovery, "status" to 200, "body" to JSONObject(mapOf("token_endpoint" to withPassword("/oidc/v1/token"))).toString())
            Credential(Testkit.config().copy(discoveryUrl = "${Testkit.url}$discovery"), Source.fixed(jwtForUrls)).use { credential ->
                shown += shownBy(assertThrows<DbfedException> { credential.tokenBlocking() })
                shown += credential.toString()
            }
            secrets += password
            Testkit.reset()

            // A client-secret IdP: Entra's token, then Entra echoing the secret, plain and form-encoded.
            val secret = "s3cret/with+chars-for-the-jvm-leak-scan"
            val encoded = URLEncoder.encode(secret, Charsets.UTF_8)
            Testkit.addEntraApp("tenant" to TENANT, "client_id" to APP, "secret" to secret)
            val config = AzureCredentialConfig(
                tenantId = TENANT,
                clientId = APP,
                clientSecret = ClientSecret(secret),
                authorityHost = Testkit.entraAuthority,
                network = NetworkSettings(retry = RetryPolicy(maxAttempts = 1)),
            )
            Credential.azure(config).use { credential ->
                val token = credential.tokenBlocking()
                shown += listOf(config, config.clientSecret, credential, token).map { it.toString() }
                echo("/entra/", 401, "invalid_client", "client_secret=$encoded ($secret) is wrong")
                credential.invalidate()
                shown += shownBy(assertThrows<DbfedException> { credential.tokenBlocking() })
                secrets += listOf(secret, encoded, token.token())
            }

            // Records arrive in order: once the last failure's WARN is there, every record is.
            logs.await("WARN record of Entra's refusal") { it.level == Level.WARN && "invalid_client" in it.formattedMessage }
            val logged = logs.shown()
            // dbfed's own records only (the Rust scan also sees reqwest's and hyper's): each
            // refusal's WARN, and the DEBUG records of every request.
            val warnings = logs.events.count { it.level == Level.WARN }
            val debugs = logs.events.count { it.level == Level.DEBUG }
            assertTrue(warnings >= 3 && debugs >= 8, "the scan saw too little:\n$logged")
            for (text in shown.filterNotNull() + logged.lines()) {
                for (value in secrets) {
                    assertFalse(value in text, "${value.take(12)}… shown in: $text")
                }
            }
        }
    }
}
