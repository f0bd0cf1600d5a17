package dev.drover.cli;

/**
 * Where the HTTP API listens, written as Go writes it (prunner's {@code --address}): {@code
 * host:port}, {@code [ipv6]:port}, or {@code :port} for every interface.
 *
 * @param host the address to bind, {@code 0.0.0.0} for every interface
 * @param port the port, 0 for a free one
 * @param everyInterface whether it listens on every interface, reachable from other hosts
 */
record ListenAddress(String host, int port, boolean everyInterface) {

  /**
   * Reads {@code text}.
   *
   * @throws IllegalArgumentException saying what is expected
   */
  static ListenAddress parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("--address must be HOST:PORT, or :PORT for every "
          + "interface, got \"" + text + "\"");
    }
    String host = text.substring(0, colon);
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--address has no port from 0 to 65535: \"" + text
          + "\"");
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    boolean every = host.isEmpty() || host.equals("0.0.0.0") || host.equals("::");
    return new ListenAddress(host.isEmpty() ? "0.0.0.0" : host, port, every);
  }
}
