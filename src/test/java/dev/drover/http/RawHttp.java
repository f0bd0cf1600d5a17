package dev.drover.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for requests no well-behaved client sends: a body shorter or
 * longer than its Content-Length, headers without end, a connection that never sends anything,
 * from a chosen local address.
 */
final class RawHttp implements AutoCloseable {
  private final Socket socket;

  private RawHttp(Socket socket) {
    this.socket = socket;
  }

  /** A connection to {@code server} from {@code localAddress} (e.g. 127.0.0.2). */
  static RawHttp connect(InetSocketAddress server, String localAddress) {
    try {
      Socket s = new Socket();
      s.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
      s.connect(new InetSocketAddress("127.0.0.1", server.getPort()), 5_000);
      return new RawHttp(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A connection to {@code server} from 127.0.0.1. */
  static RawHttp connect(InetSocketAddress server) {
    return connect(server, "127.0.0.1");
  }

  /** Writes {@code text} (ISO-8859-1, as HTTP heads are). */
  RawHttp write(String text) {
    return write(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawHttp write(byte[] bytes) {
    try {
      OutputStream out = socket.getOutputStream();
      out.write(bytes);
      out.flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes as much of {@code bytes} as the server takes, in pieces; stops quietly when the server
   * closed the connection (as it may once it has refused the request).
   */
  RawHttp writeUntilRefused(byte[] bytes) {
    try {
      OutputStream out = socket.getOutputStream();
      for (int i = 0; i < bytes.length; i += 64 * 1024) {
        out.write(bytes, i, Math.min(64 * 1024, bytes.length - i));
      }
      out.flush();
    } catch (IOException refused) {
      // the server answered and closed before it read everything
    }
    return this;
  }

  /** The response, read within {@code timeout}. */
  Response read(Duration timeout) {
    try {
      socket.setSoTimeout((int) timeout.toMillis());
      InputStream in = socket.getInputStream();
      String statusLine = line(in);
      if (statusLine == null) {
        throw new IllegalStateException("the server closed the connection without a response");
      }
      Map<String, String> headers = new LinkedHashMap<>();
      for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
        int colon = h.indexOf(':');
        headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            h.substring(colon + 1).trim());
      }
      int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
      byte[] body = in.readNBytes(length);
      return new Response(Integer.parseInt(statusLine.split(" ")[1]), headers,
          new String(body, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether the server closed the connection within {@code timeout} (reads nothing but EOF). */
  boolean closedByServer(Duration timeout) {
    try {
      socket.setSoTimeout((int) timeout.toMillis());
      return socket.getInputStream().read() == -1;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      if (b == '\n') {
        String s = line.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      line.write(b);
    }
    return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing a socket the server may have reset
    }
  }

  /** A response: status, headers (names in lower case) and body. */
  record Response(int status, Map<String, String> headers, String body) {}
}
