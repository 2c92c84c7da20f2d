// Run with a copy of the jar that lacks this platform's library: prints the error a service sees.
import io.github.dbfed.Source;

public class NoLibrary {
    public static void main(String[] args) {
        try {
            Source.fixed("eyJhbGciOiJub25lIn0.e30.");
            System.out.println("loaded, which it must not");
        } catch (Throwable error) {
            Throwable cause = error;
            while (cause.getCause() != null && !(cause instanceof UnsatisfiedLinkError)) {
                cause = cause.getCause();
            }
            System.out.println(cause);
        }
    }
}
