package dev.drover.pipeline.definition;

import java.util.regex.Pattern;

/**
 * A glob over '/'-separated relative paths, read as prunner's glob library reads it: {@code *}
 * and {@code ?} stay within one directory, {@code **} crosses directories, {@code {a,b}} is either
 * and {@code [abc]} one of. Java's own "glob:" matcher differs where it matters here: its
 * {@code **}{@code /pipelines.yml} needs at least one directory, so it would miss the file at the
 * top of the tree.
 */
final class FileGlob {

  private final String glob;
  private final Pattern pattern;

  private FileGlob(String glob, Pattern pattern) {
    this.glob = glob;
    this.pattern = pattern;
  }

  /**
   * The glob {@code glob}.
   *
   * @throws IllegalArgumentException when a brace or bracket is not closed
   */
  static FileGlob of(String glob) {
    StringBuilder regex = new StringBuilder();
    int braces = 0;
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      switch (c) {
        case '*' -> {
          boolean doubleStar = i + 1 < glob.length() && glob.charAt(i + 1) == '*';
          if (doubleStar && i + 2 < glob.length() && glob.charAt(i + 2) == '/') {
            regex.append("(?:.*/)?"); // "**/" also matches no directory at all
            i += 2;
          } else if (doubleStar) {
            regex.append(".*");
            i += 1;
          } else {
            regex.append("[^/]*");
          }
        }
        case '?' -> regex.append("[^/]");
        case '{' -> {
          braces++;
          regex.append("(?:");
        }
        case '}' -> {
          if (braces == 0) {
            throw new IllegalArgumentException("unopened } in glob \"" + glob + "\"");
          }
          braces--;
          regex.append(')');
        }
        case ',' -> regex.append(braces > 0 ? "|" : ",");
        case '[' -> {
          int end = glob.indexOf(']', i + 1);
          if (end < 0) {
            throw new IllegalArgumentException("unclosed [ in glob \"" + glob + "\"");
          }
          String set = glob.substring(i + 1, end);
          boolean negated = set.startsWith("!") || set.startsWith("^");
          regex.append('[').append(negated ? "^/" : "")
              .append((negated ? set.substring(1) : set).replace("\\", "\\\\").replace("[", "\\["))
              .append(']');
          i = end;
        }
        case '\\' -> {
          if (i + 1 < glob.length()) {
            regex.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
          }
        }
        default -> regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    if (braces > 0) {
      throw new IllegalArgumentException("unclosed { in glob \"" + glob + "\"");
    }
    return new FileGlob(glob, Pattern.compile(regex.toString()));
  }

  /** Whether the relative path {@code path}, its parts separated by '/', matches. */
  boolean matches(String path) {
    return pattern.matcher(path).matches();
  }

  @Override
  public String toString() {
    return glob;
  }
}
