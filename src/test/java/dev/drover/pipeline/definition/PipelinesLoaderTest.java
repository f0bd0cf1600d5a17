package dev.drover.pipeline.definition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.entry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Loading pipelines files: the scenarios of prunner's {@code definition/loader_test.go}, ported
 * one by one, then what the loader reads from a file (defaults, every setting, order).
 */
class PipelinesLoaderTest {

  static final Path FIXTURES = Path.of("src/test/resources/pipelines");
  static final Path RECURSIVE = FIXTURES.resolve("recursive");
  static final Path PRUNNER = FIXTURES.resolve("prunner");

  static DefinitionException refused(Runnable load) {
    DefinitionException e = catchThrowableOfType(DefinitionException.class, load::run);
    assertThat(e).as("a DefinitionException").isNotNull();
    return e;
  }

  // Ports prunner's TestLoadRecursively. prunner's fixture a/b/c/pipelines.yaml misspells
  // "script" as "scripts", which prunner ignores; ours spells it right, because Drover refuses
  // unknown keys (see DefinitionRulesTest.anUnknownKeyInATaskIsAProblemListingTheKnownOnes).
  @Test
  void loadsEveryPipelinesFileUnderADirectoryAtAnyDepthWithTheDefaultGlob() {
    // given a directory with pipelines.yml at the top, a/b/c/pipelines.yaml three levels down
    // and dup.yml, whose name the default glob does not match
    // when it is loaded with the default glob
    List<PipelineDefinition> definitions = PipelinesLoader.load(RECURSIVE);

    // then the three pipelines of the two matching files load, the files in path order
    assertThat(definitions).extracting(PipelineDefinition::name)
        .containsExactly("nested", "release", "shared_name");
    assertThat(definitions).extracting(PipelineDefinition::sourcePath).containsExactly(
        RECURSIVE.resolve("a/b/c/pipelines.yaml"),
        RECURSIVE.resolve("pipelines.yml"),
        RECURSIVE.resolve("pipelines.yml"));
  }

  // Ports prunner's TestLoadRecursively_WithDuplicate: the same files, the glob also matching
  // dup.yml, which sorts before pipelines.yml and so declares "shared_name" first.
  @Test
  void aPipelineDeclaredInTwoFilesIsAProblemAtTheSecondDeclarationNamingTheFirst() {
    // given the glob **/{pipelines,dup}.{yml,yaml}, matching dup.yml too
    // when the directory is loaded
    DefinitionException e = refused(() ->
        PipelinesLoader.load(RECURSIVE, "**/{pipelines,dup}.{yml,yaml}"));

    // then the one problem is at the later declaration and names the earlier file and place
    assertThat(e.problems()).containsExactly(new DefinitionProblem(
        RECURSIVE.resolve("pipelines.yml"), 15, 3,
        "pipeline \"shared_name\" was already declared in " + RECURSIVE.resolve("dup.yml")
            + ":2:3"));
  }

  // Ports prunner's TestLoadRecursively_WithMissingDependency, with prunner's message.
  @Test
  void aDependencyOnAMissingTaskIsAProblemInPrunnersWords() {
    // given task "test" depending on "not_existing"
    Path file = PRUNNER.resolve("missing_dep.yml");

    // when the file is loaded
    DefinitionException e = refused(() -> PipelinesLoader.load(List.of(file)));

    // then the problem points at the dependency, in prunner's words
    assertThat(e.problems()).containsExactly(new DefinitionProblem(file, 5, 22,
        "missing task \"not_existing\" referenced in depends_on of task \"test\""));
  }

  // Ports prunner's TestPartitionedWaitlist_OK.
  @Test
  void aPartitionedWaitListWithAPartitionLimitLoads() {
    // given queue_strategy partitioned_replace with queue_partition_limit 2
    // when the file is loaded
    List<PipelineDefinition> definitions =
        PipelinesLoader.load(List.of(PRUNNER.resolve("partitioned_waitlist.yml")));

    // then the pipeline has that strategy and limit, and no queue_limit
    assertThat(definitions).singleElement().satisfies(d -> {
      assertThat(d.queueStrategy()).isEqualTo(QueueStrategy.PARTITIONED_REPLACE);
      assertThat(d.queuePartitionLimit()).isEqualTo(2);
      assertThat(d.queueLimit()).isNull();
      assertThat(d.concurrency()).isEqualTo(1);
    });
  }

  // Ports prunner's TestPartitionedWaitlist_err_0_partition_limit, with prunner's message.
  @Test
  void aPartitionLimitOfZeroIsAProblem() {
    // given partitioned_replace with queue_partition_limit 0
    Path file = PRUNNER.resolve("partitioned_waitlist_err_0_partition_limit.yml");

    // when the file is loaded
    DefinitionException e = refused(() -> PipelinesLoader.load(List.of(file)));

    // then the problem is at the 0
    assertThat(e.problems()).containsExactly(new DefinitionProblem(file, 4, 28,
        "queue_partition_limit must be defined and >=1 if queue_strategy=partitioned_replace"));
  }

  // Ports prunner's TestPartitionedWaitlist_err_no_partition_limit, with prunner's message.
  @Test
  void aPartitionedWaitListWithoutAPartitionLimitIsAProblem() {
    // given partitioned_replace and no queue_partition_limit
    Path file = PRUNNER.resolve("partitioned_waitlist_err_no_partition_limit.yml");

    // when the file is loaded
    DefinitionException e = refused(() -> PipelinesLoader.load(List.of(file)));

    // then the problem is at the strategy that needs the limit
    assertThat(e.problems()).containsExactly(new DefinitionProblem(file, 3, 21,
        "queue_partition_limit must be defined and >=1 if queue_strategy=partitioned_replace"));
  }

  // Ports prunner's TestPartitionedWaitlist_err_queue_limit, with prunner's message. prunner
  // stops at its first error; Drover lists every problem, and prunner's fixture (like ours) also
  // lacks the queue_partition_limit that partitioned_replace needs.
  @Test
  void aQueueLimitWithAPartitionedWaitListIsAProblem() {
    // given partitioned_replace with queue_limit 2 and no queue_partition_limit
    Path file = PRUNNER.resolve("partitioned_waitlist_err_queue_limit.yml");

    // when the file is loaded
    DefinitionException e = refused(() -> PipelinesLoader.load(List.of(file)));

    // then prunner's problem is at the queue_limit key, beside the missing partition limit
    assertThat(e.problems()).containsExactly(
        new DefinitionProblem(file, 3, 21, "queue_partition_limit must be defined and >=1 if "
            + "queue_strategy=partitioned_replace"),
        new DefinitionProblem(file, 4, 5, "queue_limit is not allowed if "
            + "queue_strategy=partitioned_replace, use queue_partition_limit instead"));
  }

  // Ports prunner's TestWaitlist_err_partitioned_queue_limit, with prunner's message. prunner's
  // fixture also uses replace without a queue_limit, which prunner accepts and Drover does not
  // (see DefinitionRulesTest.replaceWithoutAQueueLimitIsAProblem), so that is listed too.
  @Test
  void aPartitionLimitWithoutAPartitionedWaitListIsAProblem() {
    // given queue_strategy replace with queue_partition_limit 2 and no queue_limit
    Path file = PRUNNER.resolve("waitlist_err_partitioned_queue_limit.yml");

    // when the file is loaded
    DefinitionException e = refused(() -> PipelinesLoader.load(List.of(file)));

    // then prunner's problem is at the queue_partition_limit key
    assertThat(e.problems()).containsExactly(
        new DefinitionProblem(file, 3, 21, "queue_limit must be defined if queue_strategy=replace"),
        new DefinitionProblem(file, 4, 5, "queue_partition_limit is not allowed if "
            + "queue_strategy=append|replace, use queue_limit instead"));
  }

  @Test
  void aPipelineWithNothingSetHasPrunnersDefaults() {
    // given a pipeline whose one task has no value, and a pipeline with no value at all
    // when the file is loaded
    List<PipelineDefinition> definitions =
        PipelinesLoader.load(List.of(FIXTURES.resolve("rules/full.yml")));

    // then both have prunner's defaults and Drover's
    assertThat(definitions).extracting(PipelineDefinition::name)
        .containsExactly("everything", "defaults", "bare");
    PipelineDefinition defaults = definitions.get(1);
    assertThat(defaults.concurrency()).isEqualTo(1);
    assertThat(defaults.queueLimit()).isNull();
    assertThat(defaults.queueStrategy()).isEqualTo(QueueStrategy.APPEND);
    assertThat(defaults.queuePartitionLimit()).isNull();
    assertThat(defaults.startDelay()).isEqualTo(Duration.ZERO);
    assertThat(defaults.continueRunningTasksAfterFailure()).isFalse();
    assertThat(defaults.retentionPeriod()).isNull();
    assertThat(defaults.retentionCount()).isNull();
    assertThat(defaults.env()).isEmpty();
    assertThat(defaults.onError()).isNull();
    assertThat(defaults.schedule()).isNull();
    assertThat(defaults.quoteVariables()).isTrue();
    assertThat(defaults.tasks()).containsExactly(entry("nothing",
        new TaskDefinition("nothing", List.of(), List.of(), false, Map.of(), null, null,
            false, "shell")));
    assertThat(definitions.get(2).tasks()).isEmpty();
  }

  @Test
  void everySettingIsReadInDeclarationOrder() {
    // given a pipeline that sets every key, its env and tasks not in alphabetical order
    // when the file is loaded
    PipelineDefinition p =
        PipelinesLoader.load(List.of(FIXTURES.resolve("rules/full.yml"))).get(0);

    // then each setting has its value, and maps keep the order of the file
    assertThat(p.concurrency()).isEqualTo(3);
    assertThat(p.queueLimit()).isEqualTo(5);
    assertThat(p.queueStrategy()).isEqualTo(QueueStrategy.REPLACE);
    assertThat(p.startDelay()).isEqualTo(Duration.ofSeconds(90));
    assertThat(p.continueRunningTasksAfterFailure()).isTrue();
    assertThat(p.retentionPeriod()).isEqualTo(Duration.ofDays(7));
    assertThat(p.retentionCount()).isEqualTo(20);
    // a number is read as its text, and a name without a value as the empty string, as in prunner
    assertThat(p.env()).containsExactly(entry("Z_FIRST", "1"), entry("A_SECOND", "2"),
        entry("EMPTY", ""));
    assertThat(p.schedule()).isEqualTo(new CronSchedule("*/5 * * * *", "Europe/Berlin"));
    assertThat(p.quoteVariables()).isFalse();
    assertThat(p.onError()).isEqualTo(new OnErrorDefinition(
        List.of("echo \"{{ .failedTaskName }} failed\""), Map.of("CHANNEL", "ops")));
    assertThat(p.tasks().keySet()).containsExactly("zeta", "alpha");
    TaskDefinition zeta = p.tasks().get("zeta");
    assertThat(zeta.script()).containsExactly("echo one", "echo two");
    assertThat(zeta.env()).containsExactly(entry("LEVEL", "task"));
    assertThat(zeta.allowFailure()).isTrue();
    assertThat(zeta.timeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(zeta.retry()).isEqualTo(new RetryDefinition(3, Duration.ofMillis(500), 2.0));
    assertThat(zeta.awaitCallback()).isTrue();
    assertThat(zeta.pool()).isEqualTo("docker");
    assertThat(p.tasks().get("alpha").dependsOn()).containsExactly("zeta");
    assertThat(p.sourcePath()).isEqualTo(FIXTURES.resolve("rules/full.yml"));
  }

  @Test
  void anchorsAndMergeKeysAreResolvedAndExtensionKeysAtTheTopIgnored() {
    // given shared settings under a top-level x-defaults key, used through aliases and <<
    // when the file is loaded
    PipelineDefinition p =
        PipelinesLoader.load(List.of(FIXTURES.resolve("rules/extension_keys.yml"))).get(0);

    // then the aliased env and the merged task settings apply, a task's own setting winning
    assertThat(p.env()).containsExactly(entry("LANG", "C.UTF-8"), entry("CI", "true"));
    assertThat(p.tasks().get("build").timeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(p.tasks().get("test").timeout()).isEqualTo(Duration.ofMinutes(30));
    assertThat(p.tasks().get("test").dependsOn()).containsExactly("build");
  }

  @Test
  void theExceptionMessageHasOneLinePerProblemAsFileLineColumnMessage() {
    // given a file with five problems in two pipelines
    Path file = FIXTURES.resolve("rules/many_problems.yml");

    // when it is loaded
    DefinitionException e = refused(() -> PipelinesLoader.load(List.of(file)));

    // then the message lists all of them, in the order of the text
    assertThat(e.getMessage()).isEqualTo(String.join("\n",
        file + ":3:18: concurrency must be greater than 0",
        file + ":6:9: unknown key \"scripts\" in task \"a\" (known: script, depends_on, "
            + "allow_failure, env, timeout, retry, await_callback, pool, shell)",
        file + ":8:21: queue_partition_limit must be defined and >=1 if "
            + "queue_strategy=partitioned_replace",
        file + ":9:5: queue_limit is not allowed if queue_strategy=partitioned_replace, use "
            + "queue_partition_limit instead",
        file + ":12:22: missing task \"c\" referenced in depends_on of task \"b\""));
  }

  @Test
  void readCollectsProblemsOfEveryFileAndKeepsTheValidPipelines() {
    // given a valid file, a file with a problem and a file that does not exist
    Path valid = FIXTURES.resolve("rules/dup_first.yml");
    Path invalid = PRUNNER.resolve("missing_dep.yml");
    Path missing = FIXTURES.resolve("no_such_file.yml");

    // when they are read
    PipelinesLoader.Result result = PipelinesLoader.read(List.of(valid, invalid, missing));

    // then the valid pipeline is there and both problems, in the order of the files
    assertThat(result.valid()).isFalse();
    assertThat(result.files()).containsExactly(valid, invalid, missing);
    assertThat(result.definitions()).extracting(PipelineDefinition::sourcePath)
        .containsExactly(valid);
    assertThat(result.problems()).extracting(DefinitionProblem::file)
        .containsExactly(invalid, missing);
  }

  @Test
  void aFileGivenTwiceIsReadOnce() {
    // given the same file twice, once by another path
    Path file = PRUNNER.resolve("partitioned_waitlist.yml");
    Path again = PRUNNER.resolve("../prunner/partitioned_waitlist.yml");

    // when they are read
    PipelinesLoader.Result result = PipelinesLoader.read(List.of(file, again));

    // then its pipeline is not a duplicate of itself
    assertThat(result.problems()).isEmpty();
    assertThat(result.files()).containsExactly(file);
  }

  @Test
  void loadingTheSameFileTwiceGivesEqualDefinitions() {
    // given a file with every kind of value
    List<Path> files = List.of(FIXTURES.resolve("rules/full.yml"));

    // when it is loaded twice
    // then the definitions are equal, so a reload can tell that nothing changed
    assertThat(PipelinesLoader.load(files)).isEqualTo(PipelinesLoader.load(files));
  }

  @Test
  void theExampleInTheRepositoryLoads() {
    // given examples/pipelines.yml at the repository root
    // when it is loaded
    List<PipelineDefinition> definitions =
        PipelinesLoader.load(List.of(Path.of("examples/pipelines.yml")));

    // then its pipelines are there, with their tasks in order
    assertThat(definitions).extracting(PipelineDefinition::name)
        .containsExactly("release", "smoke_test", "search_index", "nightly_report");
    assertThat(definitions.get(0).tasks().keySet())
        .containsExactly("build", "unit_test", "lint", "deploy");
    assertThat(definitions.get(1).onError()).isNotNull();
  }
}
