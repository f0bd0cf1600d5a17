package dev.drover.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** Starts the actor system of a Drover node: a supervisor's or a client's. */
public final class NodeSystem {
  /** The actor system name every node of a Drover cluster shares. */
  public static final String NAME = "drover";

  private NodeSystem() {}

  /** The configuration of a node with {@code role} listening on {@code port} (0: any free). */
  public static Config config(String role, int port, Config base) {
    return ConfigFactory.empty()
        .withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(List.of(role)))
        .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(port))
        .withFallback(base);
  }

  /**
   * An actor system running a supervisor of {@code settings.kind()} under the name clients look
   * for, with role {@code supervisor}.
   */
  public static ActorSystem<Supervisor.Command> supervisor(
      PoolSettings settings, WorkerLauncher launcher, int port, Config base) {
    Behavior<Supervisor.Command> guardian = Behaviors.setup(ctx -> {
      ActorRef<Supervisor.Command> supervisor = ctx.spawn(
          Supervisor.create(settings, launcher), Supervisor.actorName(settings.kind()));
      return Behaviors.receive(Supervisor.Command.class)
          .onAnyMessage(m -> {
            supervisor.tell(m);
            return Behaviors.same();
          })
          .build();
    });
    return ActorSystem.create(guardian, NAME, config("supervisor", port, base));
  }
}
