package dev.drover.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@code drover status} prints: a server's pipelines with their queues, its running and
 * waiting jobs with their tasks, and its worker pools, as plain text tables that fit a terminal.
 */
final class StatusView {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z", Locale.ROOT);

  private StatusView() {}

  /**
   * @param pipelines the answer of {@code GET /api/v1/pipelines}
   * @param jobs the answer of {@code GET /api/v1/jobs}
   * @param pools the answer of {@code GET /api/v1/pools}, or null when it failed
   */
  static String render(String server, JsonNode pipelines, JsonNode jobs, JsonNode pools,
      Instant now, ZoneId zone) {
    StringBuilder out = new StringBuilder();
    out.append("Drover at ").append(server).append(" · ")
        .append(TIME.format(now.atZone(zone))).append("\n\n");

    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"PIPELINE", "RUNNING", "WAITING", "QUEUE LIMIT", "NEXT RUN"});
    for (JsonNode p : pipelines.path("pipelines")) {
      rows.add(new String[] {
          p.path("pipeline").asText(),
          p.path("runningJobs").asInt() + "/" + p.path("concurrency").asInt(1),
          Integer.toString(p.path("waitingJobs").asInt()),
          p.path("queueLimit").isNumber() ? p.path("queueLimit").asText() : "-",
          p.path("nextRun").isTextual()
              ? TIME.format(Instant.parse(p.path("nextRun").asText()).atZone(zone)) : "-"});
    }
    table(out, rows);

    List<String[]> active = new ArrayList<>();
    active.add(new String[] {"JOB", "PIPELINE", "STATUS", "SINCE", "USER", "TASKS"});
    for (JsonNode j : jobs.path("jobs")) {
      if (j.path("completed").asBoolean()) {
        continue;
      }
      boolean started = j.hasNonNull("start");
      Instant since = Instant.parse(j.path(started ? "start" : "created").asText());
      StringBuilder tasks = new StringBuilder();
      for (JsonNode t : j.path("tasks")) {
        tasks.append(tasks.isEmpty() ? "" : ", ").append(t.path("name").asText()).append(' ')
            .append(t.path("status").asText());
      }
      active.add(new String[] {
          j.path("id").asText().substring(0, 8), j.path("pipeline").asText(),
          started ? "running" : "waiting", ago(Duration.between(since, now)),
          j.path("user").asText(""), tasks.toString()});
    }
    out.append('\n');
    if (active.size() == 1) {
      out.append("No job runs or waits.\n");
    } else {
      table(out, active);
    }

    out.append('\n');
    if (pools == null) {
      out.append("Pools: not available\n");
      return out.toString();
    }
    for (JsonNode p : pools.path("pools")) {
      JsonNode s = p.path("status");
      if (s.isMissingNode() || s.isNull()) {
        out.append("pool on ").append(p.path("node").asText()).append(": ")
            .append(p.path("error").asText()).append('\n');
        continue;
      }
      out.append("Pool ").append(s.path("kind").asText()).append(" on ")
          .append(p.path("node").asText()).append(": ").append(s.path("state").asText())
          .append(" · ").append(s.path("idle").asInt()).append(" idle, ")
          .append(s.path("busy").asInt()).append(" busy (min ").append(s.path("min").asInt())
          .append(", warm ").append(s.path("warm").asInt()).append(", max ")
          .append(s.path("max").asInt()).append(')');
      if (s.hasNonNull("error")) {
        out.append(" · ").append(s.path("error").asText());
      }
      out.append('\n');
      List<String[]> workers = new ArrayList<>();
      workers.add(new String[] {"  SLOT", "PID", "STATE", "RESTARTS", "UPTIME", "LEASE HOLDER"});
      for (JsonNode w : s.path("workers")) {
        workers.add(new String[] {
            "  " + w.path("slot").asInt(), w.path("pid").asLong() > 0 ? w.path("pid").asText()
                : "-",
            w.path("state").asText(), Integer.toString(w.path("restarts").asInt()),
            uptime(w.path("uptime").asText("")),
            w.hasNonNull("leaseHolder") ? w.path("leaseHolder").asText() : "-"});
      }
      table(out, workers);
    }
    return out.toString();
  }

  private static String uptime(String iso) {
    try {
      return ago(Duration.parse(iso));
    } catch (RuntimeException e) {
      return "-";
    }
  }

  static String ago(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return s / 60 + "m" + s % 60 + "s";
    }
    return s / 3600 + "h" + s % 3600 / 60 + "m";
  }

  /** Columns padded to their widest cell; the last one is not padded. */
  private static void table(StringBuilder out, List<String[]> rows) {
    int columns = rows.get(0).length;
    int[] width = new int[columns];
    for (String[] row : rows) {
      for (int i = 0; i < columns; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < columns; i++) {
        line.append(i == columns - 1 ? row[i] : String.format("%-" + width[i] + "s  ", row[i]));
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
  }
}
