package dev.drover.pipeline.definition;

import dev.drover.pipeline.definition.YamlNode.Location;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a character of a scalar's value is written in its file, so that a problem inside a
 * script line points at its own line and column rather than at the start of the scalar.
 *
 * <p>A value's lines are looked up in the file's lines from where the scalar starts, in order:
 * that finds them in plain and quoted scalars and in literal blocks ({@code |}). Where a line of
 * the value is not written as it reads (escapes in a double-quoted scalar, a folded block), the
 * scalar's own start is the answer.
 */
final class ScalarPositions {

  private final Path file;
  private List<String> lines;

  ScalarPositions(Path file) {
    this.file = file;
  }

  /** Where character {@code offset} of {@code value}, a scalar starting at {@code start}, is. */
  Location of(Location start, String value, int offset) {
    if (offset < 0 || offset > value.length()) {
      return start;
    }
    List<String> text = lines();
    String[] valueLines = value.split("\n", -1);
    int lineOfOffset = 0;
    int column = offset;
    for (int i = 0; i < offset; i++) {
      if (value.charAt(i) == '\n') {
        lineOfOffset++;
        column = offset - i - 1;
      }
    }
    int fileLine = start.line() - 1;
    int from = start.column() - 1;
    for (int k = 0; k <= lineOfOffset; k++) {
      int found = -1;
      while (fileLine < text.size()) {
        found = valueLines[k].isEmpty() && k > 0 ? -1 : text.get(fileLine).indexOf(valueLines[k],
            Math.min(from, text.get(fileLine).length()));
        if (found >= 0 || (valueLines[k].isEmpty() && k > 0)) {
          break;
        }
        fileLine++;
        from = 0;
      }
      if (fileLine >= text.size()) {
        return start;
      }
      if (k == lineOfOffset) {
        return new Location(fileLine + 1, Math.max(found, 0) + column + 1);
      }
      fileLine++;
      from = 0;
    }
    return start;
  }

  private List<String> lines() {
    if (lines == null) {
      try {
        lines = List.of(Files.readString(file, StandardCharsets.UTF_8).split("\n", -1));
      } catch (IOException | RuntimeException e) {
        // the file changed or went since it was read: the scalar's start will do
        lines = List.of();
      }
    }
    return lines;
  }
}
