package dev.drover.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The routes of the API as data: each one's method, path template and authentication, and the
 * Pekko route built from exactly these.
 *
 * <p>Because every route is registered here and only here, {@link #endpoints()} is the list of
 * what the server really answers, which the OpenAPI document is checked against. A template is a
 * path of literal segments and {@code {name}} parameters, e.g. {@code /api/v1/jobs/{id}/cancel};
 * a trailing slash is accepted too, as prunner accepts {@code /pipelines/}.
 */
final class RouteTable extends AllDirectives {
  /** How a route authorises its caller. */
  enum Auth {
    /** An HS256 token in the {@code Authorization} header or the {@code jwt} cookie. */
    JWT,
    /** The task's callback token in the body, instead of a JWT. */
    CALLBACK_TOKEN,
    /** Nothing: signing in and out, and {@code /metrics} when configured so. */
    NONE
  }

  /**
   * One route.
   *
   * @param method e.g. {@code GET}
   * @param path the template, e.g. {@code /api/v1/jobs/{id}}
   * @param auth how its caller is authorised
   */
  record Endpoint(String method, String path, Auth auth) {}

  /**
   * A matched request.
   *
   * @param params the values of the template's parameters, in order
   * @param caller who called; for {@link Auth#CALLBACK_TOKEN} routes an empty subject
   */
  record Call(List<String> params, JwtVerifier.Caller caller) {
    String param(int i) {
      return params.get(i);
    }
  }

  private final Authentication authentication;
  private final List<Endpoint> endpoints = new ArrayList<>();
  private final List<Route> routes = new ArrayList<>();

  RouteTable(Authentication authentication) {
    this.authentication = authentication;
  }

  /** Registers a GET route that requires a JWT. */
  void get(String path, Function<Call, Route> handler) {
    add(HttpMethods.GET, path, Auth.JWT, handler);
  }

  /** Registers a POST route that requires a JWT. */
  void post(String path, Function<Call, Route> handler) {
    add(HttpMethods.POST, path, Auth.JWT, handler);
  }

  /** Registers a route of {@code method} that anyone may call. */
  void open(HttpMethod method, String path, Function<Call, Route> handler) {
    add(method, path, Auth.NONE, handler);
  }

  /**
   * The template of the registered route that {@code path} matches, e.g. {@code
   * /api/v1/jobs/{id}} for {@code /api/v1/jobs/52a5...}, or null: a label of few values for
   * metrics, whatever paths clients send.
   */
  String templateOf(String path) {
    List<String> segments = List.of(trimSlashes(path).split("/", -1));
    for (Endpoint e : endpoints) {
      List<String> template = List.of(trimSlashes(e.path()).split("/", -1));
      if (template.size() != segments.size()) {
        continue;
      }
      boolean matches = true;
      for (int i = 0; i < template.size() && matches; i++) {
        String t = template.get(i);
        matches = t.startsWith("{") && t.endsWith("}") ? !segments.get(i).isEmpty()
            : t.equals(segments.get(i));
      }
      if (matches) {
        return e.path();
      }
    }
    return null;
  }

  private static String trimSlashes(String path) {
    String p = path.startsWith("/") ? path.substring(1) : path;
    return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }

  /** Registers a route whose handler authorises its caller itself, by a callback token. */
  void postWithCallbackToken(String path, Function<Call, Route> handler) {
    add(HttpMethods.POST, path, Auth.CALLBACK_TOKEN, handler);
  }

  /** Every registered route, in registration order. */
  List<Endpoint> endpoints() {
    return List.copyOf(endpoints);
  }

  /** The routes, tried in registration order. */
  Route route() {
    return concat(routes.get(0), routes.subList(1, routes.size()).toArray(Route[]::new));
  }

  /** Registers a route of {@code method} authorised as {@code auth} says. */
  void add(HttpMethod method, String path, Auth auth, Function<Call, Route> handler) {
    Objects.requireNonNull(handler);
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("a path template starts with /, got " + path);
    }
    List<String> segments = List.of(path.substring(1).split("/"));
    endpoints.add(new Endpoint(method.name(), path, auth));
    routes.add(match(segments, 0, new ArrayList<>(), method, auth, handler));
  }

  private Route match(List<String> segments, int i, List<String> params, HttpMethod method,
      Auth auth, Function<Call, Route> handler) {
    if (i == segments.size()) {
      List<String> values = List.copyOf(params);
      return pathEndOrSingleSlash(() -> method(method, () -> switch (auth) {
        case JWT -> authentication.authenticated(!method.equals(HttpMethods.GET),
            caller -> handler.apply(new Call(values, caller)));
        case CALLBACK_TOKEN, NONE -> handler.apply(new Call(values, new JwtVerifier.Caller("")));
      }));
    }
    String segment = segments.get(i);
    if (segment.startsWith("{") && segment.endsWith("}")) {
      return pathPrefix(PathMatchers.segment(), value -> {
        List<String> next = new ArrayList<>(params);
        next.add(value);
        return match(segments, i + 1, next, method, auth, handler);
      });
    }
    return pathPrefix(PathMatchers.segment(segment),
        () -> match(segments, i + 1, params, method, auth, handler));
  }
}
