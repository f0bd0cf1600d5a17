package dev.drover.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.node.PoolStatus.SlotState;
import java.util.EnumSet;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.Test;

/** The transition tables of the node's actors, each read as the closing note states it. */
class StateTablesTest {

  private static <S extends Enum<S>> EnumSet<S> next(
      Class<S> type, S from, BiPredicate<S, S> allowed) {
    EnumSet<S> out = EnumSet.noneOf(type);
    for (S to : type.getEnumConstants()) {
      if (allowed.test(from, to)) {
        out.add(to);
      }
    }
    return out;
  }

  @Test
  void aSupervisorStartsOnceAndLeavesErrPoolOnlyByAReset() {
    BiPredicate<SupervisorState, SupervisorState> t = SupervisorState::allowed;
    assertThat(next(SupervisorState.class, null, t)).containsExactly(SupervisorState.STARTING);
    assertThat(next(SupervisorState.class, SupervisorState.STARTING, t))
        .containsExactly(SupervisorState.POOL_STARTING);
    assertThat(next(SupervisorState.class, SupervisorState.POOL_STARTING, t))
        .containsExactly(SupervisorState.POOL_READY, SupervisorState.ERR_POOL);
    assertThat(next(SupervisorState.class, SupervisorState.POOL_READY, t))
        .containsExactly(SupervisorState.POOL_STARTING, SupervisorState.ERR_POOL);
    assertThat(next(SupervisorState.class, SupervisorState.ERR_POOL, t))
        .containsExactly(SupervisorState.POOL_STARTING);
  }

  @Test
  void aPoolIsReadyOnceMinWorkersAreReady() {
    assertThat(SupervisorState.pooling(1, 2)).isEqualTo(SupervisorState.POOL_STARTING);
    assertThat(SupervisorState.pooling(2, 2)).isEqualTo(SupervisorState.POOL_READY);
    assertThat(SupervisorState.pooling(0, 0)).isEqualTo(SupervisorState.POOL_READY);
  }

  @Test
  void aWorkerIsLeasedOnlyFromIdleAndNeverStartsAgain() {
    BiPredicate<WorkerState, WorkerState> t = WorkerState::allowed;
    assertThat(next(WorkerState.class, null, t)).containsExactly(WorkerState.STARTING);
    assertThat(next(WorkerState.class, WorkerState.STARTING, t))
        .containsExactly(WorkerState.IDLE, WorkerState.STOPPING);
    assertThat(next(WorkerState.class, WorkerState.IDLE, t))
        .containsExactly(WorkerState.RESERVED, WorkerState.STOPPING);
    assertThat(next(WorkerState.class, WorkerState.BUSY, t)).doesNotContain(WorkerState.STARTING);
    assertThat(next(WorkerState.class, WorkerState.STOPPING, t))
        .containsExactly(WorkerState.STOPPING);
  }

  @Test
  void aClientIsAttachedOnlyThroughConnecting() {
    BiPredicate<ClientState, ClientState> t = ClientState::allowed;
    assertThat(next(ClientState.class, ClientState.DISCONNECTED, t))
        .containsExactly(ClientState.CONNECTING_SUPERVISOR);
    for (ClientState attached : EnumSet.of(ClientState.SUPER_READY,
        ClientState.WORKER_REQUESTED, ClientState.WORKER_READY)) {
      assertThat(next(ClientState.class, attached, t)).doesNotContain(
          ClientState.DISCONNECTED, attached);
    }
    assertThat(ClientState.attached(1, 1)).isEqualTo(ClientState.WORKER_REQUESTED);
    assertThat(ClientState.attached(0, 1)).isEqualTo(ClientState.WORKER_READY);
    assertThat(ClientState.attached(0, 0)).isEqualTo(ClientState.SUPER_READY);
  }

  @Test
  void aSlotIsReservedOnlyFromIdleAndAFailedOneOnlyRelaunches() {
    BiPredicate<SlotState, SlotState> t = SlotState::allowed;
    assertThat(next(SlotState.class, null, t)).containsExactly(SlotState.LAUNCHING);
    for (SlotState s : SlotState.values()) {
      assertThat(t.test(s, SlotState.RESERVING)).isEqualTo(s == SlotState.IDLE);
    }
    assertThat(next(SlotState.class, SlotState.FAILED, t))
        .containsExactly(SlotState.LAUNCHING, SlotState.FAILED);
  }

  @Test
  void aSlotIncarnationLaunchesThenIsReadyUntilRecycled() {
    BiPredicate<WorkerSlot.State, WorkerSlot.State> t = WorkerSlot.State::allowed;
    assertThat(next(WorkerSlot.State.class, null, t)).containsExactly(WorkerSlot.State.LAUNCHING);
    assertThat(next(WorkerSlot.State.class, WorkerSlot.State.LAUNCHING, t))
        .containsExactly(WorkerSlot.State.READY);
    assertThat(next(WorkerSlot.State.class, WorkerSlot.State.READY, t))
        .containsExactly(WorkerSlot.State.LAUNCHING);
  }

  @Test
  void theAvailabilityFlagStartsOffAndFlips() {
    BiPredicate<Availability, Availability> t = Availability::allowed;
    assertThat(next(Availability.class, null, t)).containsExactly(Availability.NONE_IDLE);
    assertThat(next(Availability.class, Availability.NONE_IDLE, t))
        .containsExactly(Availability.SOME_IDLE);
  }
}
