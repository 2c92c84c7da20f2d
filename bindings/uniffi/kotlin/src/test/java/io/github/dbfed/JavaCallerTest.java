package io.github.dbfed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
        config.setRequestTimeout(Duration.ofSeconds(5));
        try (Credential credential = new Credential(config, Source.Companion.fixed(kit.servicePrincipalJwt()))) {
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
        try (Credential credential = new Credential(config, Source.Companion.fixed(kit.servicePrincipalJwt()))) {
            DbfedException.Rejected refused = assertThrows(DbfedException.Rejected.class, credential::tokenBlocking);
            assertEquals(401, refused.getStatus());
            assertEquals("invalid_client", refused.getError());
        }
    }

    @Test
    void aJavaCallerActsForAUser() throws DbfedException {
        kit.addPolicy(null, List.of(TestkitKt.AUDIENCE), null);
        String jwt = kit.mint(TestkitKt.USER, List.of(TestkitKt.AUDIENCE));
        UserExchangerConfig config = new UserExchangerConfig();
        config.setHost(kit.getUrl());
        config.setExpectedIssuers(List.of(kit.getIssuer()));
        try (UserExchanger users = new UserExchanger(config)) {
            assertEquals(TestkitKt.USER, kit.me(users.tokenForBlocking(jwt).authorizationHeader()).getSecond());
        }
    }
}
