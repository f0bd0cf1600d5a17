package dev.drover.http;

import java.io.IOException;
import java.io.Writer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A job's variables as a job list shows them: whole when their JSON fits the budget, else each
 * value within a quarter of it, so that a list of a hundred jobs with megabytes of variables each
 * stays small and a large variable does not crowd out the small ones. Then entries are kept in
 * order while they fit; a string too long is cut and ends with {@value #CUT}; any other value too
 * long is left out. The job's own route shows them whole.
 *
 * @param variables what the list shows
 * @param truncated whether that is less than the job's variables
 */
record ListedVariables(Map<String, Object> variables, boolean truncated) {
  /** What ends a cut string. */
  static final String CUT = "…";
  /** A cut string keeps at least this much, else it is left out. */
  private static final int SHORTEST_CUT = 16;
  /** What an entry costs beyond its key and value: quotes, colon, comma. */
  private static final int ENTRY_OVERHEAD = 4;

  /** {@code variables} within {@code budget} characters of JSON. */
  static ListedVariables of(Map<String, Object> variables, int budget) {
    if (variables == null || variables.isEmpty()
        || jsonLength(variables, budget + 1) <= budget) {
      return new ListedVariables(variables, false);
    }
    Map<String, Object> shown = new LinkedHashMap<>();
    int left = budget;
    for (Map.Entry<String, Object> e : variables.entrySet()) {
      int room = Math.min(budget / 4, left - e.getKey().length() - ENTRY_OVERHEAD);
      int size = jsonLength(e.getValue(), Math.max(room, 0) + 1);
      if (size <= room) {
        shown.put(e.getKey(), e.getValue());
        left -= e.getKey().length() + ENTRY_OVERHEAD + size;
      } else if (e.getValue() instanceof String s && room - 2 - CUT.length() >= SHORTEST_CUT) {
        // JSON escapes may make the cut text a little longer than counted; the budget is a bound
        // on what a list costs, not an exact size
        String cut = s.substring(0, Math.min(s.length(), room - 2 - CUT.length())) + CUT;
        shown.put(e.getKey(), cut);
        left -= e.getKey().length() + ENTRY_OVERHEAD + cut.length() + 2;
      }
    }
    return new ListedVariables(Collections.unmodifiableMap(shown), true);
  }

  /** The length of {@code value} as JSON, or {@code cap} when it is at least that long. */
  private static int jsonLength(Object value, int cap) {
    CountingWriter counter = new CountingWriter(cap);
    try {
      Json.mapper().writeValue(counter, value);
    } catch (Full full) {
      return cap;
    } catch (IOException e) {
      if (e.getCause() instanceof Full) {
        return cap;
      }
      // the variables came in as JSON, so they can be written as JSON
      throw new IllegalStateException("cannot write a variable as JSON", e);
    }
    return counter.count;
  }

  /** Counts what is written, and stops the writing once there is {@code cap} of it. */
  private static final class CountingWriter extends Writer {
    private final int cap;
    private int count;

    CountingWriter(int cap) {
      this.cap = cap;
    }

    @Override
    public void write(char[] buffer, int offset, int length) throws IOException {
      count += length;
      if (count >= cap) {
        throw new Full();
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  /** The writing went past the cap: the rest need not be written. */
  private static final class Full extends IOException {
    Full() {
      super("over the cap", null);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }
}
