package dev.adapt.dispatcher.planning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.membership.EtcdMembership;
import dev.adapt.core.membership.Membership;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.PlanStage;
import dev.adapt.core.membership.ServingRecord;
import dev.adapt.core.testing.EtcdServer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The plan and serving keys survive an etcd that comes back without its data, and the plan in
 * service lands before the next plan.
 */
class PlanKeeperTest {
  /** Generous: after etcd's restart the clients reconnect on gRPC's backoff schedule. */
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static EtcdServer etcd;

  @BeforeAll
  static void startEtcd() {
    etcd = EtcdServer.start();
  }

  @AfterAll
  static void stopEtcd() {
    etcd.close();
  }

  @Test
  void theNewestPlanIsPublishedAgainWhenEtcdLostIt() throws Exception {
    PlanRecord first = plan(1, "a");
    PlanRecord second = plan(2, "b");
    try (Membership dispatcherSide = EtcdMembership.connect(etcd.clientSettings(), "keeper");
        Membership observer = EtcdMembership.connect(etcd.clientSettings(), "keeper");
        PlanKeeper keeper = new PlanKeeper(dispatcherSide).start()) {
      keeper.publish(first);
      keeper.publish(second);
      observer.await(s -> s.plan().equals(java.util.Optional.of(second)), WAIT);

      etcd.kill();
      etcd.restartEmpty();

      assertThat(publishedAgain("keeper")).isEqualTo(second);
    }
  }

  @Test
  void aRejectedPlanIsKeptLikeAValidOne() throws Exception {
    PlanRecord rejected =
        PlanRecord.failed(3, "builtin:resnet50", "h", "no such split point", List.of("x", "y"));
    try (Membership dispatcherSide =
            EtcdMembership.connect(etcd.clientSettings(), "keeper-rejected");
        Membership observer = EtcdMembership.connect(etcd.clientSettings(), "keeper-rejected");
        PlanKeeper keeper = new PlanKeeper(dispatcherSide).start()) {
      keeper.publish(rejected);
      observer.await(s -> s.plan().isPresent(), WAIT);

      etcd.kill();
      etcd.restartEmpty();

      assertThat(publishedAgain("keeper-rejected")).isEqualTo(rejected);
    }
  }

  @Test
  void thePlanInServiceIsPublishedBeforeTheNextPlanAndAgainWhenEtcdLostIt() throws Exception {
    AtomicReference<Optional<ServingRecord>> inService = new AtomicReference<>(Optional.empty());
    ServingRecord one = new ServingRecord(1, 2, List.of("conv4_block1_add"));
    try (Membership dispatcherSide =
            EtcdMembership.connect(etcd.clientSettings(), "keeper-serving");
        Membership observer = EtcdMembership.connect(etcd.clientSettings(), "keeper-serving");
        PlanKeeper keeper = new PlanKeeper(dispatcherSide, inService::get).start()) {
      keeper.publish(plan(1, "a"));
      observer.await(s -> s.plan().isPresent(), WAIT);
      assertThat(observer.snapshot().serving()).isEmpty();

      inService.set(Optional.of(one));
      keeper.servingChanged();
      assertThat(observer.await(s -> s.serving().isPresent(), WAIT).serving()).contains(one);

      // A switch that the background writer has not written yet goes out before the next plan.
      ServingRecord two = new ServingRecord(2, 2, List.of("conv4_block1_add"));
      inService.set(Optional.of(two));
      keeper.publish(plan(3, "c"));
      assertThat(fresh("keeper-serving").serving()).contains(two);

      etcd.kill();
      etcd.restartEmpty();

      assertThat(publishedAgain("keeper-serving").generation()).isEqualTo(3);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (fresh("keeper-serving").serving().isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertThat(fresh("keeper-serving").serving()).contains(two);
    }
  }

  /** What etcd holds now, read by a new client. */
  private static MembershipSnapshot fresh(String pipeline) throws Exception {
    try (Membership reader = EtcdMembership.connect(etcd.clientSettings(), pipeline)) {
      return reader.await(MembershipSnapshot::synced, WAIT);
    }
  }

  /**
   * The plan in etcd once there is one again, each time read by a new client: an observer from
   * before could still show the lost key.
   */
  private static PlanRecord publishedAgain(String pipeline) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      try (Membership fresh = EtcdMembership.connect(etcd.clientSettings(), pipeline)) {
        var plan = fresh.await(s -> s.synced(), WAIT).plan();
        if (plan.isPresent()) {
          return plan.get();
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no plan in etcd within " + WAIT);
  }

  private static PlanRecord plan(long generation, String hash) {
    String sha = hash.repeat(64);
    return new PlanRecord(
        generation,
        "builtin:resnet50",
        "spec-" + generation,
        List.of("conv4_block1_add"),
        List.of(
            new PlanStage(0, "input_1", "conv4_block1_add", 1, 1, 1, sha),
            new PlanStage(1, "conv4_block1_add", "predictions", 1, 1, 1, sha)),
        null,
        List.of());
  }
}
