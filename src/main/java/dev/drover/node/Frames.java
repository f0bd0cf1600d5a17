package dev.drover.node;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON values as the CBOR bytes that travel between a worker and its lease holder, cut into
 * frames small enough for any remote message. Inputs, payloads and results are encoded here
 * rather than by the remoting layer, so a value of any size goes out in frames, and a value that
 * cannot be encoded fails its work with the reason instead of being dropped by the transport.
 */
final class Frames {
  /**
   * The most bytes of encoded values in one message: well under Artery's
   * {@code maximum-frame-size} (256 KiB by default), which drops larger messages.
   */
  static final int FRAME_SIZE = 64 * 1024;

  private static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory());

  private Frames() {}

  static byte[] encode(JsonNode value) {
    try {
      return CBOR.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode " + value.getNodeType() + " value", e);
    }
  }

  static JsonNode decode(byte[] bytes) {
    try {
      return CBOR.readTree(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot decode a value of " + bytes.length + " bytes", e);
    }
  }

  /** The values encoded one after another in {@code bytes}. */
  static List<JsonNode> decodeAll(byte[] bytes) {
    List<JsonNode> values = new ArrayList<>();
    try (JsonParser parser = CBOR.getFactory().createParser(bytes)) {
      while (parser.nextToken() != null) {
        values.add(CBOR.readTree(parser));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot decode the values of " + bytes.length + " bytes", e);
    }
    return values;
  }

  /** {@code bytes} cut into frames of at most {@link #FRAME_SIZE}; one empty frame for none. */
  static List<byte[]> cut(byte[] bytes) {
    List<byte[]> frames = new ArrayList<>();
    for (int off = 0; off < bytes.length || frames.isEmpty(); off += FRAME_SIZE) {
      frames.add(java.util.Arrays.copyOfRange(bytes, off, Math.min(bytes.length, off + FRAME_SIZE)));
    }
    return frames;
  }
}
