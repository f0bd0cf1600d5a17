package dev.drover.pipeline.definition;

import java.util.List;
import java.util.Optional;

/**
 * A YAML document as a tree whose every node knows where it starts in the text, so that each
 * problem found while reading a definition can point at its line and column. {@link YamlReader}
 * builds it; aliases are already resolved and merge keys ({@code <<}) already applied.
 */
sealed interface YamlNode permits YamlNode.Mapping, YamlNode.Sequence, YamlNode.Scalar {

  /** Where the node starts. */
  Location at();

  /** A 1-based line and column. */
  record Location(int line, int column) {}

  /** A mapping: its entries in the order of the text, with distinct keys. */
  record Mapping(Location at, List<Entry> entries) implements YamlNode {
    public Mapping {
      entries = List.copyOf(entries);
    }

    /** The entry with this key, if there is one. */
    Optional<Entry> entry(String key) {
      return entries.stream().filter(e -> e.key().equals(key)).findFirst();
    }
  }

  /** One key and its value; {@code keyAt} is where the key is written. */
  record Entry(String key, Location keyAt, YamlNode value) {}

  /** A sequence (a list). */
  record Sequence(Location at, List<YamlNode> items) implements YamlNode {
    public Sequence {
      items = List.copyOf(items);
    }
  }

  /** What a scalar resolved to under YAML's rules: {@code 5} is an integer, {@code "5"} a string. */
  enum Kind {
    STRING,
    INTEGER,
    FLOAT,
    BOOLEAN,
    NULL
  }

  /**
   * A single value.
   *
   * @param text the value as written (without quotes): {@code 0x1F}, {@code yes}, {@code 1.5h}.
   *     Fields that want a string take this text, as prunner's YAML decoder does
   * @param value the resolved value: a {@code String}, a {@code java.math.BigInteger}, a
   *     {@code Double}, a {@code Boolean}, or null for {@link Kind#NULL}
   */
  record Scalar(Location at, Kind kind, String text, Object value) implements YamlNode {}

  /** A few words for the node, for messages: {@code a list}, {@code a string "echo hi"}. */
  static String describe(YamlNode node) {
    if (node instanceof Mapping) {
      return "a mapping";
    }
    if (node instanceof Sequence) {
      return "a list";
    }
    Scalar s = (Scalar) node;
    return switch (s.kind()) {
      case STRING -> "a string " + shortQuote(s.text());
      case INTEGER -> "an integer " + s.text();
      case FLOAT -> "a number " + s.text();
      case BOOLEAN -> "a boolean " + s.text();
      case NULL -> "nothing";
    };
  }

  private static String shortQuote(String text) {
    String oneLine = text.replace("\n", "\\n");
    return '"' + (oneLine.length() > 40 ? oneLine.substring(0, 37) + "..." : oneLine) + '"';
  }
}
