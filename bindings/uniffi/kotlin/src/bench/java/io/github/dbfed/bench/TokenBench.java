package io.github.dbfed.bench;

import com.databricks.sdk.core.DatabricksConfig;
import io.github.dbfed.AccessToken;
import io.github.dbfed.Credential;
import io.github.dbfed.CredentialConfig;
import io.github.dbfed.DbfedException;
import io.github.dbfed.Source;
import io.github.dbfed.Testkit;
import io.github.dbfed.TestkitKt;
import io.github.dbfed.UserCacheSettings;
import io.github.dbfed.UserExchanger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Cached calls, each against a warm cache: one exchange (or one per user) before measuring,
 * asserted to be the only one at the end. The testkit is the one the benchmark's main started
 * (system property {@code dbfed.testkit.info}); run by {@link Bench}, not on its own.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TokenBench {
    /** Calls per invocation of the suspend benchmarks: one runBlocking for all of them. */
    public static final int SUSPEND_CALLS = 1_000;
    /** The variable the credential's EnvVar source reads. */
    static final String JWT_VARIABLE = "DBFED_BENCH_JWT";

    private Credential credential;
    private UserExchanger users;
    private String userJwt;
    /** The peer: the Databricks SDK for Java's own OIDC federation (file-oidc) against the same testkit. */
    private DatabricksConfig sdk;

    @Setup
    public void setUp() throws DbfedException, IOException {
        Testkit kit = Testkit.INSTANCE;
        kit.reset();
        Loops.setenv(JWT_VARIABLE, kit.servicePrincipalJwt());
        credential = new Credential(kit.config(), Source.envVar(JWT_VARIABLE));
        credential.tokenBlocking();

        kit.addPolicy(null, List.of(TestkitKt.AUDIENCE), null);
        userJwt = kit.mint(TestkitKt.USER, List.of(TestkitKt.AUDIENCE));
        CredentialConfig config = new CredentialConfig();
        config.setHost(kit.getUrl());
        UserCacheSettings cache = new UserCacheSettings();
        cache.setExpectedIssuers(List.of(kit.getIssuer()));
        users = new UserExchanger(config, cache);
        users.tokenForBlocking(userJwt);

        // file-oidc, not env-oidc: the SDK reads variables through System.getenv, which a forked
        // JVM cannot be given at run time; the token source and the exchange are the same.
        Path jwtFile = Files.createTempFile("dbfed-bench-", ".jwt");
        jwtFile.toFile().deleteOnExit();
        Files.writeString(jwtFile, kit.servicePrincipalJwt());
        sdk = new DatabricksConfig().setHost(kit.getUrl()).setClientId(TestkitKt.SP_CLIENT_ID)
            .setAuthType("file-oidc").setOidcTokenFilepath(jwtFile.toString()).resolve();
        sdk.authenticate();
    }

    @TearDown
    public void tearDown() {
        long exchanges = credential.stats().getExchanges();
        long userExchanges = users.stats().getExchanges();
        credential.close();
        users.close();
        if (exchanges != 1 || userExchanges != 1) {
            throw new IllegalStateException("not a warm cache: " + exchanges + " exchanges for the credential, "
                + userExchanges + " for the user (1 each expected)");
        }
    }

    /** The JNI fast path: `Bearer <token>`, the same String while the token lasts. */
    @Benchmark
    @Reported(row = 2, what = "`credential.authorizationHeader()`, cached (JNI)", goal = "≤ 250")
    public String credentialAuthorizationHeader() throws DbfedException {
        return credential.authorizationHeader();
    }

    /** The JNI fast path: the token itself. */
    @Benchmark
    @Reported(row = 1, what = "`credential.accessToken()`, cached (JNI)", goal = "≤ 150, ≤ 1.2× the SDK")
    public String credentialAccessToken() throws DbfedException {
        return credential.accessToken();
    }

    /** The JNI fast path: the headers map, the same map while the token lasts. */
    @Benchmark
    @Reported(row = 3, what = "`credential.headersBlocking()`, cached (JNI)", goal = "≤ 250")
    public Map<String, String> credentialHeadersBlocking() throws DbfedException {
        return credential.headersBlocking();
    }

    /** The peer's cached call: the headers of a request. */
    @Benchmark
    @Reported(row = 4, what = "databricks-sdk-java `config.authenticate()`, file-oidc, cached", goal = "(peer)")
    public Map<String, String> sdkAuthenticate() {
        return sdk.authenticate();
    }

    @Benchmark
    @Reported(row = 6, what = "`credential.tokenBlocking()`, cached", goal = "≤ 1,000")
    public AccessToken credentialTokenBlocking() throws DbfedException {
        return credential.tokenBlocking();
    }

    /** The same, the token's native handle freed at once rather than by the Cleaner after a GC. */
    @Benchmark
    @Reported(row = 7, what = "`tokenBlocking()` and `close()` of the token, cached", goal = "—")
    public AccessToken credentialTokenBlockingClosed() throws DbfedException {
        AccessToken token = credential.tokenBlocking();
        token.close();
        return token;
    }

    /** The floor of a call into the library: one that returns no native object (null here). */
    @Benchmark
    @Reported(row = 8, what = "`credential.accountId()` (a call returning null)", goal = "—")
    public String credentialAccountId() {
        return credential.accountId();
    }

    @Benchmark
    @OperationsPerInvocation(SUSPEND_CALLS)
    @Reported(row = 9, what = "`credential.token()` (suspend), cached", goal = "≤ 5,000")
    public AccessToken credentialTokenSuspend() {
        return Loops.tokens(credential, SUSPEND_CALLS);
    }

    @Benchmark
    @Reported(row = 10, what = "`credential.cachedToken()`", goal = "≤ 1,000")
    public AccessToken credentialCachedToken() {
        return credential.cachedToken();
    }

    /** The JNI fast path for a hot user: `Bearer <token>` (a new String each call). */
    @Benchmark
    @Reported(row = 5, what = "`users.authorizationHeaderFor(jwt)`, hot user (JNI)", goal = "≤ 1,500")
    public String userAuthorizationHeaderFor() throws DbfedException {
        return users.authorizationHeaderFor(userJwt);
    }

    @Benchmark
    @Reported(row = 11, what = "`users.tokenForBlocking(jwt)`, hot user", goal = "≤ 2,000")
    public AccessToken userTokenForBlocking() throws DbfedException {
        return users.tokenForBlocking(userJwt);
    }

    @Benchmark
    @OperationsPerInvocation(SUSPEND_CALLS)
    @Reported(row = 12, what = "`users.tokenFor(jwt)` (suspend), hot user", goal = "≤ 6,000")
    public AccessToken userTokenForSuspend() {
        return Loops.tokensFor(users, userJwt, SUSPEND_CALLS);
    }
}
