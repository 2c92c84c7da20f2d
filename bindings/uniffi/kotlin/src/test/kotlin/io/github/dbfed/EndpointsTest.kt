package io.github.dbfed

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** `Credential.endpoints()`: the token endpoint and audience a credential uses, and how each was found. */
class EndpointsTest {
    @BeforeEach
    fun reset() = Testkit.reset()

    @Test
    fun `the endpoints say how they were found`() = runBlocking {
        Credential(Testkit.config(), Source.fixed("jwt")).use { credential ->
            val endpoints = credential.endpoints()
            assertEquals(
                Endpoints(Testkit.workspaceTokenEndpoint, EndpointOrigin.HOST_METADATA, AUDIENCE, AudienceOrigin.CONFIGURED),
                endpoints,
            )
            assertEquals(endpoints, credential.endpointsBlocking())
        }
        val configured = Testkit.config().apply { tokenEndpoint = Testkit.workspaceTokenEndpoint }
        Credential(configured, Source.fixed("jwt")).use { credential ->
            assertEquals(EndpointOrigin.CONFIGURED, credential.endpointsBlocking().tokenEndpointOrigin)
        }
        val discovered = Testkit.config().apply { discoveryUrl = "${Testkit.url}/oidc/.well-known/oauth-authorization-server" }
        Credential(discovered, Source.fixed("jwt")).use { credential ->
            val endpoints = credential.endpoints()
            assertEquals(Testkit.workspaceTokenEndpoint to EndpointOrigin.DISCOVERY_URL, endpoints.tokenEndpoint to endpoints.tokenEndpointOrigin)
        }
        assertEquals(0, Testkit.counters()["exchanges"])
    }

    @Test
    fun `the default audience comes from the host metadata, else the account id, else the token endpoint`() {
        Testkit.settings("default_audiences" to listOf("from-host-metadata"))
        val unset = Testkit.config().apply { audience = null }
        Credential(unset, Source.fixed("jwt")).use { credential ->
            val endpoints = credential.endpointsBlocking()
            assertEquals("from-host-metadata" to AudienceOrigin.HOST_METADATA, endpoints.audience to endpoints.audienceOrigin)
        }

        Testkit.settings("host_metadata" to false)
        val withAccount = Testkit.config().apply {
            audience = null
            accountId = Testkit.accountId
        }
        Credential(withAccount, Source.fixed("jwt")).use { credential ->
            assertEquals(Testkit.accountId, credential.accountId())
            assertEquals("fixed", credential.sourceName())
            assertEquals(
                Endpoints(Testkit.workspaceTokenEndpoint, EndpointOrigin.FALLBACK, Testkit.accountId, AudienceOrigin.ACCOUNT_ID),
                credential.endpointsBlocking(),
            )
        }
        Credential(unset, Source.fixed("jwt")).use { credential ->
            val endpoints = credential.endpointsBlocking()
            assertEquals(Testkit.workspaceTokenEndpoint to AudienceOrigin.TOKEN_ENDPOINT, endpoints.audience to endpoints.audienceOrigin)
        }
        assertEquals(0, Testkit.counters()["exchanges"])
    }

    @Test
    fun `a discovery that fails throws as the exchange would`() {
        Testkit.inject("path" to "/oidc/.well-known/oauth-authorization-server", "status" to 404)
        val discovered = Testkit.config().apply { discoveryUrl = "${Testkit.url}/oidc/.well-known/oauth-authorization-server" }
        Credential(discovered, Source.fixed("jwt")).use { credential ->
            val error = assertThrows<DbfedException.Rejected> { credential.endpointsBlocking() }
            assertEquals(404, error.status)
        }
    }
}
