package dev.drover.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The JSON conventions of the HTTP API, shared by every route.
 *
 * <p>Times are RFC 3339 in UTC without fractions of a second ({@code 2026-11-23T19:30:39Z}), as
 * prunner writes them: its PHP client parses them with {@code DateTimeInterface::RFC3339}, which
 * fails on fractions. Fractions are cut, not rounded, like Go's {@code time.Format}.
 *
 * <p>Request bodies are read like Go's {@code encoding/json} reads them, so that whatever prunner
 * accepted is accepted here: unknown fields are ignored and field names match case-insensitively.
 */
public final class Json {
  /** RFC 3339 in UTC, whole seconds. */
  public static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      .addModule(new SimpleModule("drover-times").addSerializer(Instant.class, new Rfc3339()))
      // durations (a worker's uptime) as ISO-8601 text such as PT12.5S, not as a bare number
      .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
      .build();

  private Json() {}

  /** The shared, thread-safe mapper. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  private static final class Rfc3339 extends JsonSerializer<Instant> {
    @Override
    public void serialize(Instant value, JsonGenerator gen, SerializerProvider serializers)
        throws IOException {
      gen.writeString(TIME.format(value));
    }
  }
}
