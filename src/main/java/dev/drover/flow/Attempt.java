package dev.drover.flow;

import java.util.concurrent.CompletionStage;

/**
 * An attempt of a task handed to an executor: its coming outcome and a way to stop it.
 *
 * @param outcome completes with the attempt's outcome
 * @param cancel stops the attempt (interrupts a local action, cancels a worker's work)
 */
record Attempt(CompletionStage<TaskOutcome> outcome, Runnable cancel) {}
