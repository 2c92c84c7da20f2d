package io.github.dbfed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The package as a Java service uses it: builders, static factories, lambdas, futures and many threads. */
class JavaServiceTest {
    private final Testkit kit = Testkit.INSTANCE;

    @BeforeEach
    void reset() {
        kit.reset();
    }

    private CredentialBuilder workload() {
        return Credential.builder().host(kit.getUrl()).clientId(TestkitKt.SP_CLIENT_ID).audience(TestkitKt.AUDIENCE);
    }

    @Test
    void workloadIdentityFederationGivesAHeaderTheApiAccepts() throws DbfedException {
        try (Credential credential = workload().source(Source.fixed(kit.servicePrincipalJwt())).build()) {
            String header = credential.authorizationHeader();
            assertEquals(200, kit.me(header).getFirst());
            assertSame(header, credential.authorizationHeader(), "the same String while the token lasts");
            assertEquals(header, "Bearer " + credential.accessToken());
            Map<String, String> headers = credential.headersBlocking();
            assertEquals(Map.of("Authorization", header), headers);
            assertSame(headers, credential.headersBlocking());
        }
    }

    @Test
    void accountWideFederationActsAsTheUser() throws DbfedException {
        kit.addPolicy(null, List.of(TestkitKt.AUDIENCE), null);
        String jwt = kit.mint(TestkitKt.USER, List.of(TestkitKt.AUDIENCE));
        try (Credential credential = Credential.builder().host(kit.getUrl()).audience(TestkitKt.AUDIENCE)
                .source(Source.fixed(jwt)).build()) {
            assertEquals(TestkitKt.USER, kit.me(credential.authorizationHeader()).getSecond());
        }
    }

    @Test
    void aUsersHeaderComesFromTheCacheAfterOneExchange() throws Exception {
        kit.addPolicy(null, List.of(TestkitKt.AUDIENCE), null);
        String jwt = kit.mint(TestkitKt.USER, List.of(TestkitKt.AUDIENCE));
        try (UserExchanger users = UserExchanger.builder().host(kit.getUrl()).expectedIssuers(List.of(kit.getIssuer())).build()) {
            String header = users.authorizationHeaderFor(jwt);
            assertEquals(TestkitKt.USER, kit.me(header).getSecond());
            assertEquals(header, users.authorizationHeaderFor(jwt));
            assertEquals(header, "Bearer " + users.accessTokenFor(jwt));
            assertEquals(header, users.tokenForAsync(jwt).get(30, TimeUnit.SECONDS).authorizationHeader());
            assertEquals(1L, users.stats().getExchanges());
            DbfedException.Source refused = assertThrows(DbfedException.Source.class, () -> users.authorizationHeaderFor("not-a-jwt"));
            assertFalse(refused.getMessage().contains("not-a-jwt"), refused.getMessage());
        }
    }

    @Test
    void aLambdaIsACallbackSourceAskedWithTheAudience() throws DbfedException {
        String jwt = kit.servicePrincipalJwt();
        List<String> audiences = new ArrayList<>();
        Source source = Source.callback(audience -> {
            synchronized (audiences) {
                audiences.add(audience);
            }
            return jwt;
        });
        try (Credential credential = workload().source(source).build()) {
            assertEquals(200, kit.me(credential.authorizationHeader()).getFirst());
        }
        assertEquals(List.of(TestkitKt.AUDIENCE), audiences);
    }

    @Test
    void aThrowingLambdaFailsAtOnceNamingWhatItThrew() throws DbfedException {
        Source source = Source.callback(audience -> {
            throw new IllegalStateException("the vault is sealed");
        });
        try (Credential credential = workload().source(source).build()) {
            DbfedException.Source error = assertThrows(DbfedException.Source.class, credential::authorizationHeader);
            assertEquals("callback", error.getSourceName());
            assertTrue(error.getMessage().contains("java.lang.IllegalStateException: the vault is sealed"), error.getMessage());
        }
    }

    @Test
    void twoHundredThreadsOnAColdCacheCauseOneExchange() throws Exception {
        kit.inject(new kotlin.Pair<>("path", "/oidc/v1/token"), new kotlin.Pair<>("delay_ms", 300));
        ExecutorService pool = Executors.newFixedThreadPool(200);
        try (Credential credential = workload().source(Source.fixed(kit.servicePrincipalJwt())).build()) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> blocking = new ArrayList<>();
            List<CompletableFuture<AccessToken>> futures = new ArrayList<>();
            for (int thread = 0; thread < 200; thread++) {
                boolean future = thread % 2 == 0;
                blocking.add(pool.submit(() -> {
                    start.await();
                    if (future) {
                        synchronized (futures) {
                            futures.add(credential.tokenAsync());
                        }
                        return null;
                    }
                    return credential.authorizationHeader();
                }));
            }
            start.countDown();
            String expected = null;
            for (Future<String> result : blocking) {
                String header = result.get(30, TimeUnit.SECONDS);
                if (header != null) expected = header;
            }
            for (CompletableFuture<AccessToken> future : futures) {
                assertEquals(expected, future.get(30, TimeUnit.SECONDS).authorizationHeader());
            }
            assertEquals(100, futures.size());
            assertEquals(1L, credential.stats().getExchanges());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailedFutureCarriesTheDbfedException() throws DbfedException {
        try (Credential credential = workload().source(Source.fixed(kit.mint(TestkitKt.SUBJECT, List.of(TestkitKt.AUDIENCE))))
                .network(noRetries()).build()) {
            ExecutionException failure = assertThrows(ExecutionException.class, () -> credential.tokenAsync().get(30, TimeUnit.SECONDS));
            DbfedException.Rejected error = (DbfedException.Rejected) failure.getCause();
            assertEquals(401, error.getStatus());
            assertEquals("invalid_client", error.getError());
            assertEquals(kit.getWorkspaceTokenEndpoint(), error.getEndpoint());
            assertTrue(error.getDescription().contains("federation policies"), error.getDescription());
        }
    }

    @Test
    void noTokenOrJwtIsShown() throws DbfedException {
        String jwt = kit.servicePrincipalJwt();
        try (Credential credential = workload().source(Source.fixed(jwt)).build()) {
            String token = credential.accessToken();
            for (Object shown : List.of(credential, credential.tokenBlocking(), credential.stats())) {
                assertFalse(shown.toString().contains(token) || shown.toString().contains(jwt), shown.toString());
            }
        }
    }

    @Test
    void configsWithRequiredFieldsAreMadeWithSettersAndCheckedByTheCore() throws DbfedException {
        OidcClientCredentialsConfig oidc = new OidcClientCredentialsConfig();
        oidc.setIssuer("https://idp.example.com");
        oidc.setClientId("svc");
        oidc.setClientSecret(new ClientSecret("s3cret-value"));
        try (Source source = Source.oidcClientCredentials(oidc)) {
            assertFalse(source.toString().contains("s3cret-value"), source.toString());
        }
        DbfedException.Config noIssuer = assertThrows(DbfedException.Config.class,
            () -> Source.oidcClientCredentials(new OidcClientCredentialsConfig()));
        assertTrue(noIssuer.getMessage().contains("`issuer` is needed"), noIssuer.getMessage());
        DbfedException.Config noTenant = assertThrows(DbfedException.Config.class,
            () -> new AzureOnBehalfOf(new AzureOnBehalfOfConfig()));
        assertTrue(noTenant.getMessage().contains("`tenantId`"), noTenant.getMessage());
    }

    @Test
    void aBuilderWithoutSourceIsAConfigError() {
        DbfedException.Config error = assertThrows(DbfedException.Config.class, () -> workload().build());
        assertTrue(error.getMessage().contains("source"), error.getMessage());
    }

    @Test
    void callsAfterCloseThrowRatherThanCrash() throws DbfedException {
        Credential credential = workload().source(Source.fixed(kit.servicePrincipalJwt())).build();
        credential.authorizationHeader();
        credential.close();
        assertThrows(IllegalStateException.class, credential::authorizationHeader);
    }

    private static NetworkSettings noRetries() {
        NetworkSettings network = new NetworkSettings();
        network.setRetry(new RetryPolicy(1, null, null, null));
        return network;
    }
}
