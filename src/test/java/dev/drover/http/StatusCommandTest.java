package dev.drover.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code drover status} against a server: its pipelines, running jobs and pools as text. */
class StatusCommandTest {
  private static ActorSystem<Void> system;
  private static ApiFixture http;

  @BeforeAll
  static void start() {
    system = ApiFixture.system("status-command-test");
    http = new ApiFixture(system, new FakePipelineApi().holdTasks());
  }

  @AfterAll
  static void stop() {
    http.close();
    system.terminate();
  }

  private record Run(int code, String out, String err) {}

  private static Run status(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    String[] all = new String[args.length + 1];
    all[0] = "status";
    System.arraycopy(args, 0, all, 1, args.length);
    int code = cli.execute(all);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void showsPipelinesRunningJobsAndPools() {
    // given a running job of release_it
    String id = http.schedule().toString();

    // when the status of the server is asked for with its secret
    Run run = status("--address", "127.0.0.1:" + http.address.getPort(),
        "--jwt-secret", "not-very-secret-but-long-enough-for-hs256");

    // then it lists the pipeline, the job with its tasks, and the pool's worker with its pid
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("PIPELINE").contains("release_it")
        .contains(id.substring(0, 8)).contains("running").contains("test running")
        .contains("Pool shell").contains("PoolReady").contains("4242");
  }

  @Test
  void aWrongSecretIsReportedAndFails() {
    // when the secret is not the server's
    Run run = status("--address", "127.0.0.1:" + http.address.getPort(),
        "--jwt-secret", "another-secret-that-is-long-enough-for-hs256");

    // then the refusal is told and the exit code is 1
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err()).contains("401").contains("signature");
  }

  @Test
  void anUnreachableServerIsReportedAndFails() throws Exception {
    // given a port nobody listens on
    int port = ServeProcess.freePort();

    // when its status is asked for
    Run run = status("--address", "127.0.0.1:" + port,
        "--jwt-secret", "not-very-secret-but-long-enough-for-hs256");

    // then it says it cannot reach it
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err()).contains("cannot reach the server at http://127.0.0.1:" + port);
  }
}
