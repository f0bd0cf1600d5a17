package dev.drover.http;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The settings of the HTTP API, {@code drover.http} in {@code reference.conf}.
 *
 * @param host the address to listen on by default
 * @param port the port to listen on by default
 * @param maxRequestBody the largest request body accepted, in bytes
 * @param requestBodyTimeout how long a request's body may take to arrive
 * @param idleTimeout a connection without traffic for this long is closed
 * @param maxConnections the most connections open at once, all clients together
 * @param maxConnectionsPerClient the most connections open at once from one IP address; 0 for
 *     no limit of its own
 * @param pageSize the items of a list page when the request names no {@code limit}
 * @param maxPageSize the largest {@code limit} a list request may ask for
 * @param listVariablesMaxBytes how much of a job's variables a job list shows (as JSON); the job
 *     itself shows them whole
 * @param jwtClockSkew the tolerance of a token's time claims
 * @param sseBufferSize events buffered per Server-Sent Events client
 * @param sseKeepAlive how often an idle event stream sends a heartbeat
 * @param ui whether the web UI is served at {@code /}
 * @param signInWindow how long a one-time sign-in URL may wait to be opened
 */
public record HttpSettings(String host, int port, long maxRequestBody, Duration requestBodyTimeout,
    Duration idleTimeout, int maxConnections, int maxConnectionsPerClient, int pageSize,
    int maxPageSize, int listVariablesMaxBytes, Duration jwtClockSkew, int sseBufferSize,
    Duration sseKeepAlive, boolean ui, Duration signInWindow) {

  public HttpSettings {
    if (maxConnections < 1 || maxConnectionsPerClient < 0) {
      throw new IllegalArgumentException("drover.http.max-connections must be at least 1 and "
          + "max-connections-per-client at least 0, got " + maxConnections + " and "
          + maxConnectionsPerClient);
    }
    if (pageSize < 1 || maxPageSize < pageSize) {
      throw new IllegalArgumentException("drover.http.page-size must be at least 1 and at most "
          + "max-page-size, got " + pageSize + " and " + maxPageSize);
    }
  }

  /** The settings under {@code drover.http} of {@code config}. */
  public static HttpSettings fromConfig(Config config) {
    Config c = config.getConfig("drover.http");
    return new HttpSettings(
        c.getString("host"),
        c.getInt("port"),
        c.getBytes("max-request-body"),
        c.getDuration("request-body-timeout"),
        c.getDuration("idle-timeout"),
        c.getInt("max-connections"),
        c.getInt("max-connections-per-client"),
        c.getInt("page-size"),
        c.getInt("max-page-size"),
        Math.toIntExact(c.getBytes("list-variables-max-bytes")),
        c.getDuration("jwt-clock-skew"),
        c.getInt("sse-buffer-size"),
        c.getDuration("sse-keep-alive"),
        c.getBoolean("ui"),
        c.getDuration("sign-in-window"));
  }
}
