package io.github.dbfed.databricks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.databricks.sdk.WorkspaceClient;
import com.databricks.sdk.core.DatabricksConfig;
import com.databricks.sdk.core.DatabricksException;
import com.databricks.sdk.service.iam.MeRequest;
import io.github.dbfed.Credential;
import io.github.dbfed.DbfedException;
import io.github.dbfed.NetworkSettings;
import io.github.dbfed.RetryPolicy;
import io.github.dbfed.Source;
import io.github.dbfed.Testkit;
import io.github.dbfed.TestkitKt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real Databricks SDK for Java (from Maven Central) with dbfed's credentials, against the testkit. */
class DatabricksSdkTest {
    private final Testkit kit = Testkit.INSTANCE;

    @BeforeEach
    void reset() {
        kit.reset();
    }

    private WorkspaceClient client(Credential credential) {
        return new WorkspaceClient(new DatabricksConfig()
            .setHost(kit.getUrl())
            .setCredentialsProvider(new DbfedCredentialsProvider(credential)));
    }

    @Test
    void theSdksCallsCarryTheCredentialsTokenExchangedOnce() throws DbfedException {
        try (Credential credential = Credential.builder()
                .host(kit.getUrl())
                .clientId(TestkitKt.SP_CLIENT_ID)
                .audience(TestkitKt.AUDIENCE)
                .source(Source.fixed(kit.servicePrincipalJwt()))
                .build()) {
            WorkspaceClient client = client(credential);
            for (int call = 0; call < 5; call++) {
                assertEquals("sp:" + TestkitKt.SP_CLIENT_ID, client.currentUser().me(new MeRequest()).getUserName());
            }
            assertEquals(1L, credential.stats().getExchanges());
        }
    }

    @Test
    void aRefusedExchangeReachesTheSdkAsItsOwnExceptionWithTheCause() throws DbfedException {
        // No policy: the testkit refuses the exchange.
        NetworkSettings network = new NetworkSettings();
        network.setRetry(new RetryPolicy(1, null, null, null));
        try (Credential credential = Credential.builder()
                .host(kit.getUrl())
                .clientId(TestkitKt.SP_CLIENT_ID)
                .audience(TestkitKt.AUDIENCE)
                .network(network)
                .source(Source.fixed(kit.mint(TestkitKt.SUBJECT, java.util.List.of(TestkitKt.AUDIENCE))))
                .build()) {
            DatabricksException error = assertThrows(DatabricksException.class, () -> client(credential).currentUser().me(new MeRequest()));
            DbfedException.Rejected cause = assertInstanceOf(DbfedException.Rejected.class, rootDbfed(error));
            assertEquals(401, cause.getStatus());
            assertTrue(error.getMessage().contains("refused"), error.getMessage());
        }
    }

    /** The first `DbfedException` among the causes of `error` (the SDK may wrap ours again). */
    private static Throwable rootDbfed(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof DbfedException) return cause;
        }
        throw new AssertionError("no DbfedException among the causes", error);
    }
}
