/**
 * Pipelines as {@code pipelines.yml} declares them (prunner's schema): the model, the loader
 * that reads and reloads the files, and the rules it checks, each problem with its file, line
 * and column.
 */
package dev.drover.pipeline.definition;
