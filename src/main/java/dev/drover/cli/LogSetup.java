package dev.drover.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import java.util.Iterator;
import org.slf4j.LoggerFactory;

/**
 * The log settings of {@code drover serve}'s options, prunner's: {@code --verbose} logs Drover's
 * debug lines too; {@code --disable-ansi} writes each line in logfmt ({@code time=... level=...
 * logger=... msg="..."}), as prunner does without ANSI, for log collectors that parse it.
 */
final class LogSetup {
  private static final String LOGFMT = "time=%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} level=%level "
      + "logger=%logger msg=\"%replace(%replace(%msg){'\\\\', '\\\\\\\\'}){'\"', '\\\\\"'}\"%n";

  private LogSetup() {}

  /** Drover's loggers at debug level. */
  static void verbose() {
    ((Logger) LoggerFactory.getLogger("dev.drover")).setLevel(Level.DEBUG);
  }

  /** Every console appender of the root logger writes logfmt lines. */
  static void logfmt() {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
      if (it.next() instanceof OutputStreamAppender<ILoggingEvent> appender) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(LOGFMT);
        encoder.start();
        appender.setEncoder(encoder);
      }
    }
  }
}
