package dev.drover.pipeline;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns one stream's bytes, arriving in pieces, into text: a character cut between two pieces
 * is decoded whole once its second half arrives, and an invalid byte becomes U+FFFD (as
 * prunner's JSON does). Not thread-safe: one per stream and reader.
 */
final class Utf8Text {
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPLACE)
      .onUnmappableCharacter(CodingErrorAction.REPLACE);
  private ByteBuffer pending = ByteBuffer.allocate(0);

  /** The text of {@code bytes} following what came before; may hold back an incomplete end. */
  String next(byte[] bytes) {
    ByteBuffer in = ByteBuffer.allocate(pending.remaining() + bytes.length);
    in.put(pending).put(bytes).flip();
    CharBuffer out = CharBuffer.allocate((int) (in.remaining() * 1.1) + 4);
    decoder.decode(in, out, false);
    pending = in.slice();
    return out.flip().toString();
  }
}
