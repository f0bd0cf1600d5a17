package dev.drover.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.flow.CompletionResult;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A kit with the testkit's default configuration (src/test/resources/application-test.conf)
 * carries Drover's messages: it has their serializer, and verifies every message it sends.
 */
@ExtendWith(TestKitJUnit5Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DefaultTestKitTest {
  @JUnit5TestKit
  ActorTestKit kit = new JUnit5TestKitBuilder().build();

  @Test
  void droversMessagesAreSerializedAndReadBackInADefaultKit() {
    assertThat(kit.system().settings().config().getString("pekko.actor.provider"))
        .isEqualTo("local");
    assertThat(kit.system().settings().config().getBoolean("pekko.actor.serialize-messages"))
        .as("the pom's surefire sets it for the test JVM")
        .isTrue();
    TestProbe<CompletionResult> probe = kit.createTestProbe();
    CompletionResult sent =
        new CompletionResult(CompletionResult.Outcome.STALE_ATTEMPT, "attempt 1 of 2");

    probe.ref().tell(sent);

    // equal, not the same instance: it went through Jackson CBOR and back
    CompletionResult received = probe.receiveMessage();
    assertThat(received).isEqualTo(sent).isNotSameAs(sent);
  }
}
