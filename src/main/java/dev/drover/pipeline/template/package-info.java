/**
 * Script lines as Go text/templates, as prunner renders them: lexer, parser, evaluator and
 * functions, and the quoting that makes every value the shell reads data, with the guards for
 * what quoting leaves harmful.
 */
package dev.drover.pipeline.template;
