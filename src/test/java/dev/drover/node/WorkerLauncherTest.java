package dev.drover.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.drover.config.DroverConfig;
import org.junit.jupiter.api.Test;

/** {@code drover.node.launcher} picks how a supervisor starts its workers. */
class WorkerLauncherTest {

  private static Config launcher(String value) {
    return ConfigFactory.parseString("drover.node.launcher = \"" + value + "\"")
        .withFallback(DroverConfig.load());
  }

  @Test
  void workersAreForkedJvmsByDefault() {
    assertThat(WorkerLauncher.fromConfig(DroverConfig.load()))
        .isInstanceOf(ForkedJvmLauncher.class);
  }

  @Test
  void inProcessRunsWorkersAsActorsOfTheSupervisor() {
    assertThat(WorkerLauncher.fromConfig(launcher("in-process")))
        .isInstanceOf(InProcessLauncher.class);
  }

  @Test
  void anUnknownLauncherIsRefusedWithTheChoices() {
    assertThatThrownBy(() -> WorkerLauncher.fromConfig(launcher("docker")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("drover.node.launcher must be \"forked\" or \"in-process\", got \"docker\"");
  }
}
