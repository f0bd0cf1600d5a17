package dev.drover.flow;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * A value refused before it can reach the journal: a string holding a lone UTF-16 surrogate
 * (no encoding can write it, so the journal would refuse the event and fail whatever wrote it)
 * or a NUL character, or a value larger than its limit. The message names the field, e.g.
 * {@code variables.v}. An HTTP edge answers it with 400.
 */
public final class UnsafeValue extends IllegalArgumentException {
  private final String field;

  /**
   * @param field the refused field, e.g. {@code variables.v}
   * @param reason why, e.g. {@code it holds a NUL character at index 3}
   */
  public UnsafeValue(String field, String reason) {
    super(field + " is refused: " + reason);
    this.field = field;
  }

  /** The refused field, as a path such as {@code input.items[2].name}. */
  public String field() {
    return field;
  }

  /**
   * Checks {@code value} (a {@link JsonNode}, or maps, lists, strings, numbers, booleans and
   * nulls as Jackson reads JSON) and throws {@link UnsafeValue} naming the first bad field.
   *
   * @param maxChars the most characters its strings and keys may hold together; 0 for no limit
   */
  public static void check(String field, Object value, long maxChars) {
    long chars = walk(field, value, 0);
    if (maxChars > 0 && chars > maxChars) {
      throw new UnsafeValue(field, "it holds " + chars + " characters, more than the limit of "
          + maxChars);
    }
  }

  private static long walk(String field, Object value, long chars) {
    if (value == null) {
      return chars;
    }
    if (value instanceof JsonNode node) {
      if (node.isTextual()) {
        return string(field, node.textValue(), chars);
      }
      if (node.isObject()) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          String at = field + "." + e.getKey();
          chars = walk(at, e.getValue(), string(at + " (its name)", e.getKey(), chars));
        }
        return chars;
      }
      if (node.isArray()) {
        for (int i = 0; i < node.size(); i++) {
          chars = walk(field + "[" + i + "]", node.get(i), chars);
        }
        return chars;
      }
      return chars + node.asText().length();
    }
    if (value instanceof CharSequence s) {
      return string(field, s.toString(), chars);
    }
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String key = String.valueOf(e.getKey());
        String at = field + "." + key;
        chars = walk(at, e.getValue(), string(at + " (its name)", key, chars));
      }
      return chars;
    }
    if (value instanceof Iterable<?> list) {
      int i = 0;
      for (Object o : list) {
        chars = walk(field + "[" + i++ + "]", o, chars);
      }
      return chars;
    }
    return chars + String.valueOf(value).length();
  }

  private static long string(String field, String s, long chars) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0) {
        throw new UnsafeValue(field, "it holds a NUL character at index " + i);
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        throw new UnsafeValue(field, "it holds a lone UTF-16 surrogate at index " + i);
      }
      if (Character.isLowSurrogate(c)) {
        throw new UnsafeValue(field, "it holds a lone UTF-16 surrogate at index " + i);
      }
    }
    return chars + s.length();
  }
}
