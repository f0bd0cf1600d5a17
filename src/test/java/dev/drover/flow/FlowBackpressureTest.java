package dev.drover.flow;

import static dev.drover.flow.FlowTestKit.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.typesafe.config.ConfigFactory;
import dev.drover.flow.FlowService.CompletionStatus;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts under overload (bounded in flight, refusals that created nothing), {@code result(id)},
 * and values that must never reach the journal; on an H2 journal, passivation after 300 ms.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FlowBackpressureTest {
  private static final Flow ECHO =
      Flow.builder("echo").task("only", t -> t.local(TestActions.Echo.class)).build();
  private static final Flow DELEGATE =
      Flow.builder("approval").task("approve", t -> t.delegate(TestActions.Delegate.class)).build();

  @TempDir static Path data;
  private FlowTestKit engine;

  @BeforeAll
  void start() {
    engine = new FlowTestKit(data, Clock.systemUTC(), TaskContext.OutputSink.DISCARD,
        ConfigFactory.parseString("drover.flow.passivate-after = 300ms\n"
            + "drover.flow.max-starts-in-flight = 48\n"
            + "drover.flow.max-value-size = 100000"));
  }

  @AfterAll
  void stop() {
    engine.close();
  }

  private static String id() {
    return "e-" + UUID.randomUUID();
  }

  private static Throwable cause(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  @Test
  void tenThousandStartsFrom64ThreadsAreAcknowledgedAndEndOrRefusedAndAbsent()
      throws Exception {
    // given 64 threads and a list() that must answer throughout
    int starts = 10_000;
    Queue<String> accepted = new ConcurrentLinkedQueue<>();
    AtomicInteger refusals = new AtomicInteger();
    Queue<Boolean> refusedAbsent = new ConcurrentLinkedQueue<>();
    Queue<Throwable> unknown = new ConcurrentLinkedQueue<>();
    AtomicInteger next = new AtomicInteger();
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger listings = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(65);
    try {
      CompletableFuture<Void> lister = CompletableFuture.runAsync(() -> {
        while (!done.get()) {
          get(engine.flows.list(ExecutionFilter.ALL.withLimit(1)));
          listings.incrementAndGet();
        }
      }, threads);

      // when each starts executions as fast as it can
      List<CompletableFuture<Void>> workers = new ArrayList<>();
      for (int t = 0; t < 64; t++) {
        workers.add(CompletableFuture.runAsync(() -> {
          for (int i = next.getAndIncrement(); i < starts; i = next.getAndIncrement()) {
            String id = "burst-" + i;
            // a client that retries a refused start, after checking (for the first ones) that
            // the refusal created nothing
            while (true) {
              try {
                engine.flows.start(id, ECHO, null).toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
                accepted.add(id);
                break;
              } catch (Exception e) {
                Throwable c = e.getCause() == null ? e : e.getCause();
                if (!(c instanceof EngineOverloaded)) {
                  unknown.add(e);
                  break;
                }
                if (refusals.incrementAndGet() <= 100) {
                  refusedAbsent.add(get(engine.flows.get(id)).isEmpty());
                }
                LockSupport.parkNanos(1_000_000);
              }
            }
          }
        }, threads));
      }
      CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      done.set(true);
      lister.get(30, TimeUnit.SECONDS);

      // then no start had an unknown outcome
      assertThat(unknown).isEmpty();
      assertThat(accepted).hasSize(starts);
      assertThat(listings.get()).isPositive();
      // and every acknowledged execution ends, every refused one does not exist
      List<CompletableFuture<ExecutionState>> ends = accepted.stream()
          .map(id -> engine.flows.result(id).toCompletableFuture()).toList();
      CompletableFuture.allOf(ends.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      assertThat(ends).allSatisfy(f ->
          assertThat(f.join().status()).isEqualTo(ExecutionStatus.SUCCEEDED));
      assertThat(refusedAbsent).doesNotContain(false);
      System.out.printf("10,000 starts from 64 threads: %d refusals (retried), %d checked absent, "
          + "%d listings%n", refusals.get(), refusedAbsent.size(), listings.get());
    } finally {
      done.set(true);
      threads.shutdownNow();
    }
  }

  @Test
  void resultCompletesWhenTheExecutionEndsEvenAfterItPassivated() {
    // given a delegate waiting for its callback, and a caller waiting for the result
    String id = id();
    get(engine.flows.start(id, DELEGATE, null));
    String token = engine.awaitTask(id, "approve", TaskStatus.DELAYED).task("approve").token();
    CompletableFuture<ExecutionState> result = engine.flows.result(id).toCompletableFuture();

    // when the execution passivates (300 ms), and then its delegate is completed
    await().pollDelay(Duration.ofMillis(800)).until(() -> true);
    assertThat(result).isNotDone();
    get(engine.flows.completeTask(id, "approve", token, CompletionStatus.SUCCESS,
        TextNode.valueOf("yes"), null));

    // then the result completes with the final state, and at once for an ended execution
    assertThat(get(result).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    assertThat(get(engine.flows.result(id)).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
  }

  @Test
  void resultOfAnUnknownIdFails() {
    assertThatThrownBy(() -> engine.flows.result(id()).toCompletableFuture().join())
        .satisfies(e -> assertThat(cause(e)).isInstanceOf(NoSuchElementException.class));
  }

  @Test
  void poisonValuesAreRefusedNamingTheirFieldAndNeverReachTheJournal() {
    // a lone surrogate, a NUL, an over-limit string: in the input, nested, or as a key
    ObjectNode surrogate = JsonNodeFactory.instance.objectNode();
    surrogate.putObject("a").putArray("b").add("ok").add("x\ud800");
    String id = id();
    assertThatThrownBy(() -> engine.flows.start(id, ECHO, surrogate))
        .isInstanceOf(UnsafeValue.class).hasMessageContaining("input.a.b[1]")
        .hasMessageContaining("surrogate");
    assertThatThrownBy(() -> engine.flows.start(id, ECHO, TextNode.valueOf("a\u0000b")))
        .isInstanceOf(UnsafeValue.class).hasMessageContaining("input").hasMessageContaining("NUL");
    assertThatThrownBy(() -> engine.flows.start(id, ECHO, TextNode.valueOf("x".repeat(100_001))))
        .isInstanceOf(UnsafeValue.class).hasMessageContaining("limit");
    ObjectNode badKey = JsonNodeFactory.instance.objectNode();
    badKey.put("\udc00", 1);
    assertThatThrownBy(() -> engine.flows.start(id, ECHO, badKey))
        .isInstanceOf(UnsafeValue.class).hasMessageContaining("its name");
    assertThat(get(engine.flows.get(id))).isEmpty();

    // in a delegate's completion: output and error
    String waiting = id();
    get(engine.flows.start(waiting, DELEGATE, null));
    String token = engine.awaitTask(waiting, "approve", TaskStatus.DELAYED).task("approve").token();
    assertThatThrownBy(() -> engine.flows.completeTask(waiting, "approve", token,
        CompletionStatus.SUCCESS, TextNode.valueOf("\udbff"), null))
        .isInstanceOf(UnsafeValue.class).hasMessageStartingWith("output ");
    assertThatThrownBy(() -> engine.flows.completeTask(waiting, "approve", token,
        CompletionStatus.ERROR, null, "boom\u0000"))
        .isInstanceOf(UnsafeValue.class).hasMessageStartingWith("error ");

    // and the engine goes on: a valid completion, a valid start (a surrogate pair is fine)
    get(engine.flows.completeTask(waiting, "approve", token, CompletionStatus.SUCCESS,
        TextNode.valueOf("ok \ud83d\ude00"), null));
    assertThat(get(engine.flows.result(waiting)).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
    get(engine.flows.start(id, ECHO, TextNode.valueOf("\ud83d\ude00")));
    assertThat(get(engine.flows.result(id)).status()).isEqualTo(ExecutionStatus.SUCCEEDED);
  }
}
