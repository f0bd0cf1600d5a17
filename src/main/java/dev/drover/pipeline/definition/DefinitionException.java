package dev.drover.pipeline.definition;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Pipeline definitions that cannot be used: every problem the loader found, not just the first,
 * so that one run of {@code drover validate} shows all there is to fix. The message has one line
 * per problem, {@code file:line:column: message}.
 */
public final class DefinitionException extends RuntimeException {

  private final transient List<DefinitionProblem> problems;

  public DefinitionException(List<DefinitionProblem> problems) {
    super(message(problems));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a DefinitionException needs at least one problem");
    }
    this.problems = List.copyOf(problems);
  }

  /** The problems, in the order of the files and, within a file, of the text. */
  public List<DefinitionProblem> problems() {
    return problems;
  }

  private static String message(List<DefinitionProblem> problems) {
    return problems.stream().map(DefinitionProblem::toString).collect(Collectors.joining("\n"));
  }
}
