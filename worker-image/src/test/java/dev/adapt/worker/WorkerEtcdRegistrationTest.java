package dev.adapt.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.membership.EtcdMembership;
import dev.adapt.core.membership.EtcdSettings;
import dev.adapt.core.membership.Membership;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.WorkerRecord;
import dev.adapt.core.membership.WorkerState;
import dev.adapt.core.testing.EtcdServer;
import dev.adapt.proto.v1.WorkerGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A worker announces itself and its slices in etcd, and withdraws on shutdown. */
class WorkerEtcdRegistrationTest {
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
  void workerRegistersAnnouncesSlicesAndWithdraws() throws Exception {
    EtcdSettings settings = EtcdSettings.of(etcd.endpoint()).withLeaseTtl(Duration.ofSeconds(2));
    try (Membership observer = EtcdMembership.connect(settings, "reg")) {
      ScalingSlices slices = new ScalingSlices();
      Worker worker =
          Worker.start(
              WorkerSettings.defaults("reg", "w1", 0).toBuilder()
                  .etcd(Optional.of(settings))
                  .build(),
              slices,
              "CPU");
      ManagedChannel channel =
          Grpc.newChannelBuilder("127.0.0.1:" + worker.port(), InsecureChannelCredentials.create())
              .build();
      try {
        WorkerRecord registered =
            await(observer, s -> s.workers().containsKey("w1")).workers().get("w1");
        assertThat(registered.address()).isEqualTo("127.0.0.1:" + worker.port());
        assertThat(registered.state()).isEqualTo(WorkerState.READY);
        assertThat(registered.device()).isEqualTo("CPU");

        byte[] artifact = ScalingSlices.artifact(2f);
        SliceTransfers.send(WorkerGrpc.newStub(channel), artifact);

        String sha = ScalingSlices.sha256(artifact);
        await(observer, s -> s.worker("w1").map(w -> w.holds(sha)).orElse(false));
      } finally {
        channel.shutdownNow();
        worker.close();
      }
      // Closing revokes the lease: the worker is gone at once, not after the TTL.
      await(observer, s -> s.workers().isEmpty());
    }
  }

  private static MembershipSnapshot await(
      Membership membership, Predicate<MembershipSnapshot> condition) throws Exception {
    return membership.await(condition, Duration.ofSeconds(60));
  }
}
