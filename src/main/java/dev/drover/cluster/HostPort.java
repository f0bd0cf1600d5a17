package dev.drover.cluster;

/**
 * A {@code HOST:PORT} of a cluster setting (a node's address, a seed, the health endpoints).
 *
 * @param host a host name or IP address ({@code [v6]} without the brackets)
 * @param port 0 to 65535; 0 picks a free port where a node binds
 */
public record HostPort(String host, int port) {

  /**
   * Parses {@code HOST:PORT} ({@code [::1]:PORT} for IPv6).
   *
   * @param setting the setting's name, for the error message
   * @throws InvalidClusterConfig naming the setting and what is wrong
   */
  public static HostPort parse(String text, String setting) {
    String t = text == null ? "" : text.trim();
    int colon = t.lastIndexOf(':');
    if (colon <= 0 || colon == t.length() - 1) {
      throw new InvalidClusterConfig(setting + " must be HOST:PORT, got \"" + text + "\"");
    }
    String host = t.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(t.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new InvalidClusterConfig(setting + " must be HOST:PORT with a numeric port, got \""
          + text + "\"");
    }
    if (port < 0 || port > 65535 || host.isBlank() || host.contains("/") || host.contains("@")) {
      throw new InvalidClusterConfig(setting + " must be HOST:PORT with a port of 0 to 65535, "
          + "got \"" + text + "\"");
    }
    return new HostPort(host, port);
  }

  /** {@code host:port}, bracketing an IPv6 host. */
  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
