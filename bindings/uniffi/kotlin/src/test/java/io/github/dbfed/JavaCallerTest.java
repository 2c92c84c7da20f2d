package io.github.dbfed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The package from Java, without coroutines: configs by setters, blocking calls, and
 * `DbfedException`, a checked exception there.
 */
class JavaCallerTest {
    private final Testkit kit = Testkit.INSTANCE;

    @BeforeEach
    void reset() {
        kit.reset();
    }

    @Test
    void aJavaCallerGetsATokenTheApiAccepts() throws DbfedException {
        CredentialConfig config = new CredentialConfig();
        config.setHost(kit.getUrl());
        config.setClientId(TestkitKt.SP_CLIENT_ID);
        config.setAudience(TestkitKt.AUDIENCE);
        NetworkSettings network = new NetworkSettings();
        network.setRequestTimeout(Duration.ofSeconds(5));
        config.setNetwork(network);
        try (Credential credential = new Credential(config, Source.fixed(kit.servicePrincipalJwt()))) {
            AccessToken token = credential.tokenBlocking();
            assertEquals(200, kit.me(token.authorizationHeader()).getFirst());
            assertEquals(token.token(), credential.tokenBlocking().token());
            assertEquals(1L, credential.stats().getExchanges());
        }
    }

    @Test
    void aJavaCallerCatchesTheServersRefusal() throws DbfedException {
        CredentialConfig config = new CredentialConfig();
        config.setHost(kit.getUrl());
        config.setClientId("not-a-sp");
        config.setAudience(TestkitKt.AUDIENCE);
        try (Credential credential = new Credential(config, Source.fixed(kit.servicePrincipalJwt()))) {
            DbfedException.Rejected refused = assertThrows(DbfedException.Rejected.class, credential::tokenBlocking);
            assertEquals(401, refused.getStatus());
            assertEquals("invalid_client", refused.getError());
        }
    }

    @Test
    void aJavaCallerActsForAUser() throws DbfedException {
        kit.addPolicy(null, List.of(TestkitKt.AUDIENCE), null);
        String jwt = kit.mint(TestkitKt.USER, List.of(TestkitKt.AUDIENCE));
        CredentialConfig config = new CredentialConfig();
        config.setHost(kit.getUrl());
        UserCacheSettings cache = new UserCacheSettings();
        cache.setExpectedIssuers(List.of(kit.getIssuer()));
        try (UserExchanger users = new UserExchanger(config, cache)) {
            assertEquals(TestkitKt.USER, kit.me(users.tokenForBlocking(jwt).authorizationHeader()).getSecond());
        }
    }

    @Test
    void aJavaCallerDiagnosesAJwt() throws DbfedException {
        String jwt = kit.mint(TestkitKt.SUBJECT, List.of("x"));
        FederationPolicy policy = new FederationPolicy(kit.getIssuer(), List.of(TestkitKt.AUDIENCE), TestkitKt.SUBJECT, null);
        List<Mismatch> found = Dbfed_uniffiKt.diagnose(jwt, policy, null);
        assertEquals(1, found.size());
        assertEquals(MismatchKind.AUDIENCE_NOT_ACCEPTED, found.get(0).getKind());
        assertEquals(List.of("x"), found.get(0).getActual());
    }

    @Test
    void aJavaCallerUsesAnAzureCredential() throws DbfedException {
        kit.addEntraApp(new kotlin.Pair<>("tenant", TestkitKt.TENANT), new kotlin.Pair<>("client_id", TestkitKt.APP),
            new kotlin.Pair<>("secret", TestkitKt.APP_SECRET));
        AzureCredentialConfig config = new AzureCredentialConfig();
        config.setTenantId(TestkitKt.TENANT);
        config.setClientId(TestkitKt.APP);
        config.setClientSecret(new ClientSecret(TestkitKt.APP_SECRET));
        config.setAuthorityHost(kit.getEntraAuthority());
        try (Credential credential = Credential.azure(config)) {
            AccessToken token = credential.tokenBlocking();
            assertEquals("sp:" + TestkitKt.APP, kit.me(token.authorizationHeader()).getSecond());
            DbfedException.Config noExchange = assertThrows(DbfedException.Config.class, credential::endpointsBlocking);
            assertTrue(noExchange.getReason().contains("without a token exchange"), noExchange.getReason());
        }
    }
}
