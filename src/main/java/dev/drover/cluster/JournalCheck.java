package dev.drover.cluster;

import java.sql.Connection;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;

/**
 * The readiness check "the journal answers" of {@code /health/ready}: a query on the shared
 * journal's database. A node with the embedded H2 journal holds it in its own process and passes.
 */
public final class JournalCheck implements Supplier<CompletionStage<Boolean>> {
  private final Optional<JournalDatabase> database;

  /** Called by Pekko Management. */
  public JournalCheck(ActorSystem system) {
    this.database = JournalDatabase.fromConfig(system.settings().config());
  }

  @Override
  public CompletionStage<Boolean> get() {
    if (database.isEmpty()) {
      return CompletableFuture.completedFuture(true);
    }
    return CompletableFuture.supplyAsync(() -> {
      try (Connection c = database.get().connect(); Statement s = c.createStatement()) {
        return s.execute("SELECT 1");
      } catch (java.sql.SQLException e) {
        return false;
      }
    });
  }
}
