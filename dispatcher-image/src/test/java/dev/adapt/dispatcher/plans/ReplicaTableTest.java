package dev.adapt.dispatcher.plans;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ReplicaTableTest {
  private static final Replica A0 = new Replica("a", "h:1", 0, "s0", 1);
  private static final Replica B0 = new Replica("b", "h:2", 0, "s0", 1);
  private static final Replica C1 = new Replica("c", "h:3", 1, "s1", 1);

  @Test
  void routesTakeTheReplicaWithTheLeastBatchesInFlight() {
    ReplicaTable table = new ReplicaTable();
    table.update(List.of(List.of(A0, B0), List.of(C1)));
    assertThat(table.ready()).isTrue();
    table.acquire(List.of(A0, C1));
    assertThat(table.route(Set.of()).orElseThrow()).containsExactly(B0, C1);
    table.acquire(List.of(B0, C1));
    table.acquire(List.of(B0, C1));
    assertThat(table.route(Set.of()).orElseThrow()).containsExactly(A0, C1);
    table.release(List.of(B0, C1));
    table.release(List.of(B0, C1));
    assertThat(table.load("b")).isZero();
  }

  @Test
  void avoidedWorkersAreUsedOnlyWhenTheStageHasNoOther() {
    ReplicaTable table = new ReplicaTable();
    table.update(List.of(List.of(A0, B0), List.of(C1)));
    for (int i = 0; i < 4; i++) {
      assertThat(table.route(Set.of("a", "c")).orElseThrow()).containsExactly(B0, C1);
    }
  }

  @Test
  void quarantineTakesAWorkerOutUntilItRestarts() {
    ReplicaTable table = new ReplicaTable();
    table.update(List.of(List.of(A0), List.of(C1)));
    assertThat(table.quarantine("a", TimeUnit.MINUTES.toNanos(1))).isTrue();
    assertThat(table.quarantine("a", TimeUnit.MINUTES.toNanos(1))).isFalse();
    assertThat(table.ready()).isFalse();
    assertThat(table.route(Set.of())).isEmpty();

    var change = table.nextChange();
    Replica restarted = new Replica("a", "h:9", 0, "s0", 2);
    table.update(List.of(List.of(restarted), List.of(C1)));
    assertThat(change).isDone();
    assertThat(table.ready()).isTrue();
    assertThat(table.route(Set.of()).orElseThrow()).containsExactly(restarted, C1);
  }

  @Test
  void anEmptyStageMeansNoRoute() {
    ReplicaTable table = new ReplicaTable();
    assertThat(table.ready()).isFalse();
    table.update(List.of(List.of(A0), List.of()));
    assertThat(table.ready()).isFalse();
    assertThat(table.route(Set.of())).isEmpty();
  }
}
