package dev.drover.observe.metrics;

import com.typesafe.config.Config;
import java.time.Duration;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.jdbc.journal.JdbcAsyncWriteJournal;
import scala.collection.immutable.Seq;
import scala.concurrent.Future;
import scala.runtime.BoxedUnit;
import scala.util.Try;

/**
 * The JDBC journal, timing each write for {@code drover_journal_write_seconds}. Configured as
 * {@code jdbc-journal.class} in {@code reference.conf}; everything else is the plugin's.
 */
public final class TimedJdbcJournal extends JdbcAsyncWriteJournal {
  private final DroverMetrics metrics;

  public TimedJdbcJournal(Config config) {
    super(config);
    this.metrics = DroverMetrics.get(Adapter.toTyped(context().system()));
  }

  @Override
  public Future<Seq<Try<BoxedUnit>>> asyncWriteMessages(Seq<AtomicWrite> messages) {
    long start = System.nanoTime();
    Future<Seq<Try<BoxedUnit>>> written = super.asyncWriteMessages(messages);
    written.onComplete(result -> {
      metrics.journalWrite(result.isSuccess(), Duration.ofNanos(System.nanoTime() - start));
      return BoxedUnit.UNIT;
    }, context().dispatcher());
    return written;
  }
}
