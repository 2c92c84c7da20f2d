package io.github.dbfed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.function.Function;
import kotlin.coroutines.Continuation;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Callbacks in a service without kotlinx-coroutines on its classpath (pom.xml runs this class in
 * its own Surefire execution, without that jar; the default one skips it): a Java provider's JWT
 * is exchanged, and a provider returning null or a non-String, or throwing an Error, fails at once
 * rather than after its timeout. SLF4J is left out too: the library loads and works without it.
 */
class WithoutCoroutinesTest {
    private final Testkit kit = Testkit.INSTANCE;

    @BeforeEach
    void reset() {
        kit.reset();
    }

    /** A provider answering at once with what `body` gives (Java's view of a `suspend fun`). */
    private static SubjectTokenProvider provider(Function<String, Object> body) {
        return new SubjectTokenProvider() {
            @Override
            public Object subjectToken(String audience, Continuation<? super String> completion) {
                return body.apply(audience);
            }
        };
    }

    private Credential credential(SubjectTokenProvider provider) throws DbfedException {
        Source source = Source.callback(provider, Duration.ofSeconds(30));
        return new Credential(kit.config(), source);
    }

    private void assertFailsAtOnce(SubjectTokenProvider provider, String named) throws DbfedException {
        try (Credential credential = credential(provider)) {
            long started = System.nanoTime();
            DbfedException.Source error = assertThrows(DbfedException.Source.class, credential::tokenBlocking);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertTrue(error.getReason().contains(named), error.getReason());
            // Generous: a hang waits out the 30 s timeout.
            assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "took " + took);
        }
    }

    @Test
    void kotlinxCoroutinesIsNotOnTheClasspath() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("kotlinx.coroutines.GlobalScope"));
    }

    @Test
    void slf4jIsNotOnTheClasspath() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.slf4j.LoggerFactory"));
    }

    @Test
    void aJavaProvidersJwtIsExchanged() throws DbfedException {
        String jwt = kit.servicePrincipalJwt();
        try (Credential credential = credential(provider(audience -> jwt))) {
            assertEquals(200, kit.me(credential.tokenBlocking().authorizationHeader()).getFirst());
        }
    }

    @Test
    void aProviderReturningNullFailsAtOnce() throws DbfedException {
        assertFailsAtOnce(provider(audience -> null), "returned null, not a JWT");
    }

    @Test
    void aProviderReturningANonStringFailsAtOnce() throws DbfedException {
        assertFailsAtOnce(provider(audience -> 42), "returned a java.lang.Integer, not a String");
    }

    @Test
    void aProviderThrowingAnErrorFailsAtOnce() throws DbfedException {
        assertFailsAtOnce(provider(audience -> {
            throw new AssertionError("no JWT today");
        }), "threw java.lang.AssertionError: no JWT today");
    }
}
