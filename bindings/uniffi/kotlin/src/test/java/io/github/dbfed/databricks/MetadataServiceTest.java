package io.github.dbfed.databricks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.databricks.sdk.WorkspaceClient;
import com.databricks.sdk.core.DatabricksConfig;
import com.databricks.sdk.core.DatabricksException;
import com.databricks.sdk.service.iam.MeRequest;
import io.github.dbfed.Testkit;
import io.github.dbfed.TestkitKt;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real Databricks SDK for Java reading tokens from the real `dbfed serve` (as under
 * `dbfed exec`), which gets them from the testkit; the SDK's calls go to the testkit's SCIM Me.
 */
class MetadataServiceTest {
    private final Testkit kit = Testkit.INSTANCE;
    private Process serve;
    private String url;

    @BeforeEach
    void startServe() throws Exception {
        kit.reset();
        ProcessBuilder builder = new ProcessBuilder(System.getProperty("dbfed.cli"), "serve")
            .redirectError(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> env = builder.environment();
        env.clear();
        env.put("DATABRICKS_HOST", kit.getUrl());
        env.put("DATABRICKS_CLIENT_ID", TestkitKt.SP_CLIENT_ID);
        env.put("DATABRICKS_TOKEN_AUDIENCE", TestkitKt.AUDIENCE);
        env.put("DATABRICKS_OIDC_TOKEN", kit.servicePrincipalJwt());
        serve = builder.start();
        url = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertTrue(url != null && url.startsWith("http://127.0.0.1:"), "dbfed serve printed " + url);
    }

    @AfterEach
    void stopServe() throws InterruptedException {
        serve.destroy();
        serve.waitFor();
    }

    private WorkspaceClient client(String host, MetadataServiceCredentialsProvider provider) {
        return new WorkspaceClient(new DatabricksConfig().setHost(host).setCredentialsProvider(provider));
    }

    @Test
    void theSdkCallsTheApiWithServesTokens() {
        WorkspaceClient client = client(kit.getUrl(), new MetadataServiceCredentialsProvider(url));
        for (int call = 0; call < 5; call++) {
            assertEquals("sp:" + TestkitKt.SP_CLIENT_ID, client.currentUser().me(new MeRequest()).getUserName());
        }
        assertEquals(1L, kit.counters().get("exchanges"), "serve's one exchange");
    }

    /** The testkit under another name: the same server, a host `serve` does not serve. */
    private String otherHost() {
        return kit.getUrl().replace("127.0.0.1", "localhost");
    }

    @Test
    void anEndpointForAnotherHostIsRefusedWithoutShowingItsPath() {
        DatabricksException error = assertThrows(DatabricksException.class,
            () -> client(otherHost(), new MetadataServiceCredentialsProvider(url)).currentUser().me(new MeRequest()));
        String path = url.substring(url.lastIndexOf('/') + 1);
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            assertFalse(String.valueOf(cause.getMessage()).contains(path), "the endpoint's path is its secret: " + cause);
        }
    }

    @Test
    void withoutAnEndpointTheProviderDoesNotApply() {
        // No URL given and (in this JVM) no DATABRICKS_METADATA_SERVICE_URL.
        assertNull(System.getenv("DATABRICKS_METADATA_SERVICE_URL"));
        assertNull(new MetadataServiceCredentialsProvider().configure(new DatabricksConfig().setHost(kit.getUrl())));
    }
}
