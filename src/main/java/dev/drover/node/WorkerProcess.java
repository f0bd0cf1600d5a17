package dev.drover.node;

import java.util.concurrent.CompletionStage;

/** A started worker as its slot sees it: something to watch and to kill. */
public interface WorkerProcess {

  /** The OS process id of the worker (the supervisor's own for in-process workers). */
  long pid();

  /** Completes with the exit code when the worker's process ends; never for in-process ones. */
  CompletionStage<Integer> exited();

  /** Kills the worker and every process it started; safe to call more than once. */
  void kill();

  /** Where to look when it fails, e.g. its log file. */
  String describe();
}
