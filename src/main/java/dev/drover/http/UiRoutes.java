package dev.drover.http;

import java.util.List;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The web UI: plain HTML, CSS and JavaScript modules from the jar ({@code dev/drover/http/ui}),
 * served to anyone, since they hold no data; every piece of data they show comes from the API,
 * which asks for the {@code jwt} cookie. {@code /} is the page, {@code /ui/...} its files.
 *
 * <p>Each answer forbids what the page never needs: scripts, styles and connections from
 * anywhere but this server, and being framed by another site.
 */
final class UiRoutes extends AllDirectives {
  private static final String ROOT = "dev/drover/http/ui/";
  /** A file name of the UI: no directories, no dot files. */
  private static final Pattern FILE = Pattern.compile("[a-z0-9][a-z0-9-]*\\.(js|css|svg|html)");
  private static final List<HttpHeader> HEADERS = List.of(
      RawHeader.create("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; "
          + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
      RawHeader.create("X-Content-Type-Options", "nosniff"),
      RawHeader.create("Referrer-Policy", "no-referrer"),
      // the page changes with the server's version: always revalidated, never stale
      RawHeader.create("Cache-Control", "no-cache"));

  Route route() {
    // get() only once a path matched: a passing method directive cancels the other routes'
    // method rejections, which would turn a 405 of the API into a 404
    return concat(
        pathSingleSlash(() -> file("index.html")),
        // browsers ask for it on any page, the page's own link aside
        path("favicon.ico", () -> file("favicon.svg")),
        pathPrefix("ui", () -> path(PathMatchers.segment(), name -> FILE.matcher(name).matches()
            ? file(name) : reject())));
  }

  private Route file(String name) {
    return get(() -> respondWithHeaders(HEADERS, () -> getFromResource(ROOT + name)));
  }
}
