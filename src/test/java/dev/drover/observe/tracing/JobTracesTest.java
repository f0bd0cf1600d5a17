package dev.drover.observe.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.observe.NodeAttemptEvents.LeaseGranted;
import dev.drover.observe.NodeAttemptEvents.WorkEnded;
import dev.drover.observe.RunEvents;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.junit.jupiter.api.Test;

/**
 * A job's spans form one trace however the cluster's nodes share its parts: each node exports
 * what happened on it, and the parents are named by ids derived from the job.
 */
class JobTracesTest {

  @Test
  void partsExportedByTwoNodesFormOneTrace() throws Exception {
    // given two nodes exporting to one collector
    List<SpanData> spans = new CopyOnWriteArrayList<>();
    SpanExporter collector = new SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> batch) {
        spans.addAll(batch);
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
      }
    };
    ActorTestKit queueNode = node("queue-node");
    ActorTestKit workNode = node("work-node");
    try (JobTraces a = new JobTraces(queueNode.system(), SimpleSpanProcessor.create(collector),
            "drover");
        JobTraces b = new JobTraces(workNode.system(), SimpleSpanProcessor.create(collector),
            "drover")) {
      String job = UUID.randomUUID().toString();
      Instant t = Instant.parse("2026-01-01T00:00:00Z");

      // when one attempt of a job waits for a worker and works on the second node, and the
      // first records the attempt's and the job's end
      publish(workNode, new LeaseGranted("shell", job, "build", 1, t.plusMillis(10),
          t.plusMillis(30), true));
      publish(workNode, new WorkEnded("shell", job, "build", 1, t.plusMillis(30),
          t.plusMillis(900)));
      publish(queueNode, new RunEvents.AttemptEnded(job, "release", "build", 1, "error",
          t.plusMillis(5), t.plusMillis(950)));
      publish(queueNode, new RunEvents.JobEnded(job, "release", "error", t, t.plusSeconds(1)));

      // then the four spans are one trace, the job's id, each under its parent
      await().atMost(Duration.ofSeconds(10)).until(() -> spans.size() == 4);
      Map<String, SpanData> byName = spans.stream()
          .collect(Collectors.toMap(SpanData::getName, Function.identity()));
      assertThat(byName).containsOnlyKeys("job release", "task build", "lease shell",
          "work shell");
      assertThat(spans).extracting(SpanData::getTraceId).containsOnly(job.replace("-", ""));
      SpanData jobSpan = byName.get("job release");
      SpanData task = byName.get("task build");
      assertThat(jobSpan.getParentSpanContext().isValid()).isFalse();
      assertThat(task.getParentSpanId()).isEqualTo(jobSpan.getSpanId());
      assertThat(byName.get("lease shell").getParentSpanId()).isEqualTo(task.getSpanId());
      assertThat(byName.get("work shell").getParentSpanId()).isEqualTo(task.getSpanId());
      assertThat(task.getStartEpochNanos()).isEqualTo(
          t.plusMillis(5).toEpochMilli() * 1_000_000);
      assertThat(task.getStatus().getDescription()).isEqualTo("error");
    } finally {
      queueNode.shutdownTestKit();
      workNode.shutdownTestKit();
    }
  }

  private static ActorTestKit node(String name) {
    return ActorTestKit.create(name,
        com.typesafe.config.ConfigFactory.parseString("pekko.actor.provider = local"));
  }

  private static void publish(ActorTestKit node, Object event) {
    node.system().eventStream().tell(new EventStream.Publish<>(event));
  }
}
