package dev.drover.http;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The settings of the HTTP API, {@code drover.http} in {@code reference.conf}.
 *
 * @param host the address to listen on by default
 * @param port the port to listen on by default
 * @param maxRequestBody the largest request body accepted, in bytes
 * @param jwtClockSkew the tolerance of a token's time claims
 * @param sseBufferSize events buffered per Server-Sent Events client
 * @param sseKeepAlive how often an idle event stream sends a heartbeat
 */
public record HttpSettings(String host, int port, long maxRequestBody, Duration jwtClockSkew,
    int sseBufferSize, Duration sseKeepAlive) {

  /** The settings under {@code drover.http} of {@code config}. */
  public static HttpSettings fromConfig(Config config) {
    Config c = config.getConfig("drover.http");
    return new HttpSettings(
        c.getString("host"),
        c.getInt("port"),
        c.getBytes("max-request-body"),
        c.getDuration("jwt-clock-skew"),
        c.getInt("sse-buffer-size"),
        c.getDuration("sse-keep-alive"));
  }
}
