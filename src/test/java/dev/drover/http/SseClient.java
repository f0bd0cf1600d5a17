package dev.drover.http;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Server-Sent Events client on {@link HttpClient}: collects the events of a stream as they
 * arrive, on a thread of its own, until closed, which drops the connection as a browser leaving
 * the page does.
 */
final class SseClient implements AutoCloseable {
  /** One event: its name ({@code message} when it has none) and its data. */
  record Event(String type, String data) {}

  final int status;
  final String contentType;
  private final InputStream body;
  private final List<Event> events = new CopyOnWriteArrayList<>();
  private volatile boolean ended;

  SseClient(HttpClient client, HttpRequest request) throws Exception {
    // ofInputStream answers once the headers are in, while the body goes on arriving
    HttpResponse<InputStream> response =
        client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    status = response.statusCode();
    contentType = response.headers().firstValue("Content-Type").orElse("");
    body = response.body();
    Thread reader = new Thread(this::read, "sse-client");
    reader.setDaemon(true);
    reader.start();
  }

  /** The events received so far. */
  List<Event> events() {
    return List.copyOf(events);
  }

  /** Whether the stream ended, by the server or by {@link #close()}. */
  boolean ended() {
    return ended;
  }

  @Override
  public void close() throws IOException {
    body.close();
  }

  private void read() {
    String type = "message";
    StringBuilder data = null;
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.isEmpty()) {
          // an event without data is a heartbeat (Pekko's), ignored as Pekko's own client does
          if (data != null && !data.isEmpty()) {
            events.add(new Event(type, data.toString()));
          }
          type = "message";
          data = null;
        } else if (line.startsWith("event:")) {
          type = line.substring("event:".length()).trim();
        } else if (line.startsWith("data:")) {
          String value = line.substring("data:".length());
          value = value.startsWith(" ") ? value.substring(1) : value;
          data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        }
        // comments (heartbeats) and other fields are ignored, as browsers' EventSource does
      }
    } catch (IOException e) {
      // closed by us, or the connection dropped: either way the stream ended
    } finally {
      ended = true;
    }
  }
}
