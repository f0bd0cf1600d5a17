/**
 * The pipeline runner: job queues, cron schedules, script tasks and their output, the API the
 * HTTP server serves. The {@code pipelines.yml} model is in {@code definition}, the script
 * templates in {@code template}.
 *
 * <p>The classes of this package stay here: the events and snapshots of {@code JobQueue} and
 * {@code CronScheduler} (and {@code JobRecord}) are journaled under their class names, so a
 * rename or a move would leave existing journals unreadable.
 */
package dev.drover.pipeline;
