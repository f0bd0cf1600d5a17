package dev.drover.node;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Finds the worker pools of a cluster: every supervisor registers with the receptionist under
 * {@link #SUPERVISORS}, so any member can list the pools of all the others (a kind may have a
 * supervisor on several nodes) and ask each for its status.
 */
public final class PoolDirectory {
  /** The key every supervisor is registered under. */
  public static final ServiceKey<Supervisor.Command> SUPERVISORS =
      ServiceKey.create(Supervisor.Command.class, "drover-supervisors");

  private PoolDirectory() {}

  /** Makes {@code supervisor} findable by every member of the cluster. */
  public static void register(ActorSystem<?> system, ActorRef<Supervisor.Command> supervisor) {
    system.receptionist().tell(Receptionist.register(SUPERVISORS, supervisor));
  }

  /**
   * The status of every registered pool, by node and kind. A supervisor that does not answer
   * within {@code timeout} is listed with the reason instead of a status.
   */
  public static CompletionStage<List<NodePool>> pools(ActorSystem<?> system, Duration timeout) {
    CompletionStage<Receptionist.Listing> listing = AskPattern.ask(system.receptionist(),
        reply -> Receptionist.find(SUPERVISORS, reply), timeout, system.scheduler());
    return listing.thenCompose(l -> {
      Set<ActorRef<Supervisor.Command>> supervisors = l.getServiceInstances(SUPERVISORS);
      List<CompletableFuture<NodePool>> answers = new ArrayList<>();
      for (ActorRef<Supervisor.Command> s : supervisors) {
        String node = s.path().address().hasGlobalScope() ? s.path().address().toString()
            : Cluster.get(system).selfMember().address().toString();
        answers.add(AskPattern.<Supervisor.Command, PoolStatus>ask(s, Supervisor.GetStatus::new,
                timeout, system.scheduler())
            .handle((status, failure) -> failure == null
                ? new NodePool(node, status, null)
                : new NodePool(node, null, "the supervisor " + s.path().name()
                    + " did not answer within " + timeout.toMillis() + " ms"))
            .toCompletableFuture());
      }
      return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
          .thenApply(done -> answers.stream().map(CompletableFuture::join)
              .sorted(Comparator.comparing((NodePool p) -> p.status() == null ? ""
                  : p.status().kind()).thenComparing(NodePool::node))
              .toList());
    });
  }

  /** The cluster's members and their roles, as this member sees them now. */
  public static ClusterView cluster(ActorSystem<?> system) {
    Cluster cluster = Cluster.get(system);
    var state = cluster.state();
    Set<Member> unreachable = state.getUnreachable();
    List<ClusterView.Member> members = StreamSupport
        .stream(state.getMembers().spliterator(), false)
        .map(m -> new ClusterView.Member(m.address().toString(), m.status().toString(),
            m.getRoles().stream().filter(r -> !r.startsWith("dc-")).sorted().toList(),
            !unreachable.contains(m)))
        .sorted(Comparator.comparing(ClusterView.Member::address))
        .toList();
    return new ClusterView(cluster.selfMember().address().toString(),
        state.getLeader() == null ? null : state.getLeader().toString(), members);
  }
}
