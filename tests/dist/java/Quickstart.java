// The Java quick start (README, "Quick start (Java)"), against the testkit: run from the classpath
// a fresh Maven consumer resolves.
import io.github.dbfed.Credential;
import io.github.dbfed.Source;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

public class Quickstart {
    public static void main(String[] args) throws Exception {
        String host = System.getenv("QUICKSTART_HOST");
        try (Credential credential = Credential.builder()
                .host(host)
                .clientId(System.getenv("QUICKSTART_CLIENT_ID"))
                .source(Source.file(System.getenv("QUICKSTART_TOKEN_FILE")))
                .build()) {
            String header = credential.authorizationHeader();
            Map<String, String> headers = credential.headersBlocking();
            if (!header.equals(headers.get("Authorization"))) {
                throw new AssertionError("authorizationHeader() and headersBlocking() disagree");
            }
            HttpResponse<String> me = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(host + "/api/2.0/preview/scim/v2/Me"))
                    .header("Authorization", header).build(),
                HttpResponse.BodyHandlers.ofString());
            if (me.statusCode() != 200) {
                throw new AssertionError("Me answered " + me.statusCode());
            }
            System.out.println(me.body().replaceAll(".*\"userName\"\\s*:\\s*\"([^\"]*)\".*", "$1"));
        }
    }
}
