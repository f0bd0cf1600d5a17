package dev.drover.pipeline.definition;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each rule the loader checks, with the file, line, column and message of its problem. prunner's
 * own rules (unknown dependency, the wait-list rules) are ported in {@link PipelinesLoaderTest};
 * the rules here are Drover's, stricter where prunner is lax.
 */
class DefinitionRulesTest {

  static final Path RULES = PipelinesLoaderTest.FIXTURES.resolve("rules");

  private static List<DefinitionProblem> problemsOf(Path... files) {
    return PipelinesLoader.read(List.of(files)).problems();
  }

  private static DefinitionProblem problem(Path file, int line, int column, String message) {
    return new DefinitionProblem(file, line, column, message);
  }

  // prunner ignores unknown keys; its own fixture test/fixtures/a/b/c/pipelines.yaml has this
  // very typo, and that task silently runs nothing. Drover refuses it.
  @Test
  void anUnknownKeyInATaskIsAProblemListingTheKnownOnes() {
    // given a task with "scripts:" instead of "script:"
    Path file = RULES.resolve("unknown_task_key.yml");

    // when it is read
    // then the problem is at the key and lists the keys a task may have
    assertThat(problemsOf(file)).containsExactly(problem(file, 5, 9,
        "unknown key \"scripts\" in task \"build\" (known: script, depends_on, allow_failure, env, "
            + "timeout, retry, await_callback, pool, shell)"));
  }

  // Deliberately stricter than prunner, which ignores unknown keys at every level.
  @Test
  void unknownKeysAreProblemsAtEveryLevel() {
    // given misspelled keys at the top, in a pipeline, in on_error, in retry and in schedule
    Path file = RULES.resolve("unknown_keys.yml");

    // when it is read
    // then each is a problem at its key, naming where it is and what is known there
    assertThat(problemsOf(file)).containsExactly(
        problem(file, 1, 1, "unknown key \"pipeline\" at the top (known: pipelines)"),
        problem(file, 5, 5, "unknown key \"concurent\" in pipeline \"ship\" (known: concurrency, "
            + "queue_limit, queue_partition_limit, queue_strategy, start_delay, "
            + "continue_running_tasks_after_failure, retention_period, retention_count, env, "
            + "tasks, on_error, schedule, quote_variables, shell)"),
        problem(file, 7, 7,
            "unknown key \"scrpt\" in on_error of pipeline \"ship\" (known: script, env)"),
        problem(file, 11, 27,
            "unknown key \"delai\" in retry of task \"build\" (known: count, delay, backoff)"),
        problem(file, 14, 7,
            "unknown key \"tz\" in schedule of pipeline \"ship\" (known: cron, timezone)"));
  }

  // prunner finds cycles only when a job runs; Drover refuses them when it loads.
  @Test
  void dependencyCyclesAreProblemsNamingTheTasksOnTheCycle() {
    // given a -> b -> c -> a, d depending on itself, and e depending on the cycle from outside
    Path file = RULES.resolve("cycle.yml");

    // when it is read
    // then each cycle is one problem at the depends_on item that starts it; e is not on one
    assertThat(problemsOf(file)).containsExactly(
        problem(file, 5, 22, "depends_on forms a cycle: a -> b -> c -> a"),
        problem(file, 11, 22, "depends_on forms a cycle: d -> d"));
  }

  // prunner's TestLoadRecursively_WithDuplicate names only the first file; the problem's place
  // names the second.
  @Test
  void aPipelineDeclaredInTwoFilesNamesBothFiles() {
    // given "deploy" declared in two files
    Path first = RULES.resolve("dup_first.yml");
    Path second = RULES.resolve("dup_second.yml");

    // when both are read
    // then the problem is at the second declaration and points at the first
    assertThat(problemsOf(first, second)).containsExactly(problem(second, 3, 3,
        "pipeline \"deploy\" was already declared in " + first + ":2:3"));
  }

  @Test
  void invalidDurationsAreProblemsSayingWhatIsWrong() {
    // given an unknown unit, a number without unit, a space and a word
    Path file = RULES.resolve("durations.yml");

    // when it is read
    // then each is a problem at its value
    assertThat(problemsOf(file)).containsExactly(
        problem(file, 3, 18, "start_delay: unknown unit \"x\" in duration \"10x\" "
            + "(units: ns, us, ms, s, m, h)"),
        problem(file, 4, 23, "retention_period: missing unit in duration \"5\" "
            + "(units: ns, us, ms, s, m, h, e.g. \"5s\")"),
        problem(file, 7, 18, "timeout of task \"wait\": unknown unit \"h \" in duration "
            + "\"1h 30m\" (units: ns, us, ms, s, m, h)"),
        problem(file, 10, 18, "retry delay of task \"wait\": invalid duration \"soon\" "
            + "(expected a number with a unit, e.g. \"10s\", \"1m30s\", \"1.5h\")"));
  }

  // queue_limit and start_delay are prunner's rules, in its words; the others are Drover's
  // (prunner does not check retention settings, and has no timeout or retry).
  @Test
  void negativeLimitsAndDurationsAreProblems() {
    // given negative limits and durations, a zero timeout and a backoff below 1
    Path file = RULES.resolve("negative_limits.yml");

    // when it is read
    // then each is a problem at its value
    assertThat(problemsOf(file)).containsExactly(
        problem(file, 3, 18, "queue_limit must not be negative"),
        problem(file, 4, 22, "retention_count must not be negative"),
        problem(file, 5, 23, "retention_period must not be negative"),
        problem(file, 6, 18, "start_delay must not be negative"),
        problem(file, 9, 18, "timeout of task \"work\" must be greater than 0"),
        problem(file, 10, 24, "retry count of task \"work\" must not be negative"),
        problem(file, 10, 35, "retry delay of task \"work\" must not be negative"),
        problem(file, 10, 49, "retry backoff of task \"work\" must be at least 1"));
  }

  // prunner's message; but prunner reads an explicit 0 as "not set" (Go's zero value) and runs
  // with concurrency 1, while Drover refuses a 0 that is written out.
  @Test
  void aConcurrencyOfZeroOrLessIsAProblem() {
    // given concurrency 0 and concurrency -2
    Path file = RULES.resolve("concurrency.yml");

    // when it is read
    // then both are problems at the value
    assertThat(problemsOf(file)).containsExactly(
        problem(file, 3, 18, "concurrency must be greater than 0"),
        problem(file, 5, 18, "concurrency must be greater than 0"));
  }

  // prunner accepts replace without a queue_limit and then replaces whichever job waits, a queue
  // of one that the file does not say; Drover asks for the limit to be written.
  @Test
  void replaceWithoutAQueueLimitIsAProblem() {
    // given queue_strategy replace and no queue_limit
    Path file = RULES.resolve("replace_without_queue_limit.yml");

    // when it is read
    // then the problem is at the strategy
    assertThat(problemsOf(file)).containsExactly(
        problem(file, 3, 21, "queue_limit must be defined if queue_strategy=replace"));
  }

  @Test
  void aStartDelayWithoutAWaitListIsAProblemInPrunnersWords() {
    // given start_delay 10s and queue_limit 0: a delayed job would have nowhere to wait
    Path file = RULES.resolve("start_delay_without_queue.yml");

    // when it is read
    // then prunner's problem is at the delay
    assertThat(problemsOf(file)).containsExactly(
        problem(file, 4, 18, "start_delay needs queue_limit > 0"));
  }

  @Test
  void anUnknownQueueStrategyIsAProblemInPrunnersWords() {
    // given queue_strategy prepend
    Path file = RULES.resolve("unknown_queue_strategy.yml");

    // when it is read
    // then prunner's problem is at the value
    assertThat(problemsOf(file)).containsExactly(
        problem(file, 3, 21, "unknown queue strategy: \"prepend\""));
  }

  // prunner's YAML decoder refuses a string where it wants a list too, without a position.
  @Test
  void aSingleStringWhereAListIsExpectedIsAProblemWithAHint() {
    // given script: make all
    Path file = RULES.resolve("single_string_script.yml");

    // when it is read
    // then the problem says what was found and how to write a list
    assertThat(problemsOf(file)).containsExactly(problem(file, 5, 17,
        "script of task \"compile\" must be a list of strings, got a string \"make all\" "
            + "(write each item on its own line, starting with \"- \")"));
  }

  @Test
  void valuesOfTheWrongTypeAreProblemsAtTheValue() {
    // given a word for a number and for booleans, lists for mappings and mappings for strings,
    // a nested list and an empty item in a script, and a list for a task
    Path file = RULES.resolve("wrong_types.yml");

    // when it is read
    // then each is a problem saying what is expected and what was found
    assertThat(problemsOf(file)).containsExactly(
        problem(file, 3, 18, "concurrency must be an integer, got a string \"two\""),
        problem(file, 4, 43, "continue_running_tasks_after_failure must be true or false, got "
            + "a string \"sometimes\""),
        problem(file, 5, 10,
            "env of pipeline \"typed\" must be a mapping of names to values, got a list"),
        problem(file, 8, 17, "script of task \"build\" must be a list of strings, got a string "
            + "\"make build\" (write each item on its own line, starting with \"- \")"),
        problem(file, 9, 21, "depends_on of task \"build\" must be a list of strings, got a "
            + "string \"lint\" (write each item on its own line, starting with \"- \")"),
        problem(file, 10, 24,
            "allow_failure of task \"build\" must be true or false, got a string \"maybe\""),
        problem(file, 12, 19,
            "value of NESTED in env of task \"build\" must be a string, got a mapping"),
        problem(file, 13, 15, "pool of task \"build\" must be a string, got a list"),
        problem(file, 17, 13,
            "script of task \"lint\" must be a list of strings, got a list as an item"),
        problem(file, 18, 12, "script of task \"lint\" has an empty item"),
        problem(file, 19, 13, "task \"list\" must be a mapping, got a list"));
  }

  @Test
  void droversOwnSettingsAreChecked() {
    // given a four-field cron line, an unknown time zone, a word for await_callback, an empty
    // pool, a retry without count, an unknown cron macro and a schedule without cron
    Path file = RULES.resolve("drover_settings.yml");

    // when it is read
    // then each is a problem at its value
    assertThat(problemsOf(file)).containsExactly(
        problem(file, 4, 13, "cron expression \"0 3 * *\" in schedule of pipeline \"nightly\" "
            + "has 4 fields; it needs 5: minute hour day-of-month month day-of-week"),
        problem(file, 5, 17, "unknown time zone \"Mars/Olympus\" in schedule of pipeline "
            + "\"nightly\" (expected an IANA name such as Europe/Berlin)"),
        problem(file, 9, 25,
            "await_callback of task \"callback\" must be true or false, got a string \"later\""),
        problem(file, 10, 15, "pool of task \"callback\" must not be empty"),
        problem(file, 11, 16,
            "retry of task \"callback\" needs a count (the retries after the first attempt)"),
        problem(file, 13, 15, "unknown cron macro \"@every 1h\" in schedule of pipeline "
            + "\"hourly\" (known: @annually, @daily, @hourly, @midnight, @monthly, @weekly, "
            + "@yearly)"),
        problem(file, 15, 15,
            "schedule of pipeline \"weekly\" needs a cron expression (cron: \"0 3 * * *\")"));
  }

  @Test
  void cronExpressionsAreReadWithTheSchedulersDefinitionAndEachBadOneIsAProblem() {
    // given nicknames, names of months and days, and fields out of their ranges
    Path file = RULES.resolve("cron.yml");

    // when it is read
    // then each bad expression is a problem at its line and column, naming the field at fault;
    // the nicknames and names are fine
    assertThat(problemsOf(file)).containsExactly(
        problem(file, 8, 15, "cron expression \"61 * * * *\" in schedule of pipeline "
            + "\"minute_out_of_range\": the minute field \"61\" is wrong: Value 61 not in range "
            + "[0, 59]"),
        problem(file, 10, 22, "cron expression \"0 24 * * *\" in schedule of pipeline "
            + "\"hour_out_of_range\": the hour field \"24\" is wrong: Value 24 not in range "
            + "[0, 23]"),
        problem(file, 12, 15, "cron expression \"0 3 * * 8\" in schedule of pipeline "
            + "\"day_of_week\": the day-of-week field \"8\" is wrong: Value 8 not in range "
            + "[0, 7]"),
        problem(file, 16, 15, "cron expression \"*/0 * * * *\" in schedule of pipeline "
            + "\"no_period\": the minute field \"*/0\" is wrong: Period 0 not in range [0, 59]"));
  }

  // prunner runs its on_error handler as a task named on_error; a task of that name would clash.
  @Test
  void aTaskNamedOnErrorIsAProblem() {
    // given a task called on_error
    Path file = RULES.resolve("reserved_task_name.yml");

    // when it is read
    // then the problem is at its name
    assertThat(problemsOf(file)).containsExactly(problem(file, 4, 7,
        "task name \"on_error\" is reserved for the pipeline's on_error handler"));
  }

  // prunner's decoder keeps the last of two equal keys; the first task would vanish unseen.
  @Test
  void aKeyWrittenTwiceIsAProblemAndTheFileDeclaresNothing() {
    // given task "build" declared twice in one pipeline
    Path file = RULES.resolve("duplicate_keys.yml");

    // when it is read
    PipelinesLoader.Result result = PipelinesLoader.read(List.of(file));

    // then the second is a problem pointing at the first, and no pipeline of the file is kept
    assertThat(result.problems()).containsExactly(
        problem(file, 6, 7, "duplicate key \"build\" (first at line 4, column 7)"));
    assertThat(result.definitions()).isEmpty();
  }

  // prunner's decoder reads the first document and drops the rest without a word.
  @Test
  void aSecondYamlDocumentIsAProblem() {
    // given two documents separated by ---
    Path file = RULES.resolve("two_documents.yml");

    // when it is read
    // then the second document is a problem where it starts
    assertThat(problemsOf(file)).containsExactly(problem(file, 4, 1,
        "only one YAML document is allowed per file; this one would be ignored"));
  }

  @Test
  void anAliasWithoutAnAnchorIsAProblem() {
    // given env: *nowhere, with no &nowhere above
    Path file = RULES.resolve("unknown_alias.yml");

    // when it is read
    // then the problem is at the alias
    assertThat(problemsOf(file)).containsExactly(problem(file, 3, 10, "unknown alias *nowhere "
        + "(an alias must follow its &nowhere anchor, which must be on a mapping or a list)"));
  }

  @Test
  void aBinaryValueIsAProblem() {
    // given an env value tagged !!binary
    Path file = RULES.resolve("binary_value.yml");

    // when it is read
    // then the problem is at the value
    assertThat(problemsOf(file)).containsExactly(
        problem(file, 4, 12, "binary data (!!binary) is not a valid value here"));
  }

  @Test
  void aYamlSyntaxErrorIsAProblemWhereTheParserStopped() {
    // given a flow list that is never closed
    Path file = RULES.resolve("not_yaml.yml");

    // when it is read
    // then SnakeYAML's explanation is the message, with where the list started
    assertThat(problemsOf(file)).containsExactly(problem(file, 3, 17,
        "invalid YAML: expected ',' or ']', but got <stream end> (while parsing a flow sequence "
            + "that started at line 3, column 12)"));
  }

  // prunner fails on an empty file too ("decoding YAML: EOF").
  @Test
  void anEmptyFileIsAProblem() {
    // given an empty file
    Path file = RULES.resolve("empty.yml");

    // when it is read
    // then it is a problem of the whole file
    assertThat(problemsOf(file)).containsExactly(
        problem(file, 1, 1, "empty file: expected a mapping with the key \"pipelines\""));
  }

  @Test
  void aDocumentThatIsNotAMappingIsAProblem() {
    // given a file holding a list
    Path file = RULES.resolve("not_a_mapping.yml");

    // when it is read
    // then it is a problem at its start
    assertThat(problemsOf(file)).containsExactly(problem(file, 1, 1,
        "expected a mapping with the key \"pipelines\" at the top, got a list"));
  }

  @Test
  void aFileThatDoesNotExistIsAProblem() {
    // given a path with no file
    Path file = RULES.resolve("nothing_here.yml");

    // when it is read
    // then it is a problem of the whole file
    assertThat(problemsOf(file)).containsExactly(problem(file, 1, 1, "no such file"));
  }

  @Test
  void aFileThatIsNotUtf8TextIsAProblem(@TempDir Path dir) throws IOException {
    // given a file of bytes that are not UTF-8
    Path file = dir.resolve("pipelines.yml");
    Files.write(file, new byte[] {(byte) 0xC3, (byte) 0x28, 0x00, (byte) 0xFF});

    // when it is read
    // then it is a problem of the whole file
    assertThat(problemsOf(file)).containsExactly(problem(file, 1, 1, "not a UTF-8 text file"));
  }

  @Test
  void aDirectoryGivenAsAFileIsAProblem() {
    // given a directory where a file is expected
    // when it is read
    // then it is a problem of that path
    assertThat(problemsOf(RULES)).containsExactly(
        problem(RULES, 1, 1, "is a directory, not a pipelines file"));
  }

  @Test
  void problemsOfSeveralPipelinesAreAllReportedInTheOrderOfTheText() {
    // given two pipelines with five problems between them
    Path file = RULES.resolve("many_problems.yml");

    // when it is read
    // then all five are reported, not just the first
    assertThat(problemsOf(file)).extracting(DefinitionProblem::line)
        .containsExactly(3, 6, 8, 9, 12);
  }
}
