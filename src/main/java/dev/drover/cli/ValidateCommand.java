package dev.drover.cli;

import dev.drover.pipeline.definition.DefinitionProblem;
import dev.drover.pipeline.definition.PipelinesLoader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code drover validate}: checks pipelines files without running anything. */
@Command(name = "validate", mixinStandardHelpOptions = true,
    description = {
        "Checks pipelines.yml files as the pipeline runner would load them, all together (a "
            + "pipeline may be declared in one file only), and prints every problem as "
            + "file:line:column: message.",
        "Exits with 0 when all files are valid, 1 when there is a problem."})
final class ValidateCommand implements Callable<Integer> {

  @Parameters(arity = "1..*", paramLabel = "FILE",
      description = "A pipelines file, or a directory: its files matching "
          + PipelinesLoader.DEFAULT_GLOB + ", at any depth.")
  List<Path> paths;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<Path> files = new ArrayList<>();
    List<DefinitionProblem> problems = new ArrayList<>();
    for (Path path : paths) {
      if (!Files.isDirectory(path)) {
        files.add(path);
        continue;
      }
      try {
        List<Path> found = PipelinesLoader.find(path, PipelinesLoader.DEFAULT_GLOB);
        if (found.isEmpty()) {
          // validating nothing would pass; a directory without pipelines is likely the wrong one
          problems.add(new DefinitionProblem(path, 1, 1,
              "no file matching " + PipelinesLoader.DEFAULT_GLOB + " in this directory"));
        }
        files.addAll(found);
      } catch (UncheckedIOException e) {
        problems.add(new DefinitionProblem(path, 1, 1, e.getMessage()));
      }
    }
    PipelinesLoader.Result result = PipelinesLoader.read(files);
    problems.addAll(result.problems());
    if (!problems.isEmpty()) {
      problems.stream().map(DefinitionProblem::toString).forEach(err::println);
      err.flush();
      return 1;
    }
    int pipelines = result.definitions().size();
    int fileCount = result.files().size();
    out.println(pipelines + (pipelines == 1 ? " pipeline" : " pipelines") + " in " + fileCount
        + (fileCount == 1 ? " file" : " files") + (pipelines == 1 ? " is" : " are") + " valid");
    out.flush();
    return 0;
  }
}
