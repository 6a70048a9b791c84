package dev.adapt.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.membership.EtcdMembership;
import dev.adapt.core.membership.Membership;
import dev.adapt.core.membership.WorkerRecord;
import dev.adapt.core.membership.WorkerState;
import dev.adapt.core.testing.EtcdServer;
import dev.adapt.core.testing.JavaProcess;
import dev.adapt.worker.testing.WorkerProcess;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Worker processes in etcd mode: registration, graceful withdrawal, and lease expiry on SIGKILL.
 */
class WorkerProcessEtcdTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static EtcdServer etcd;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  static Path logs;

  @BeforeAll
  static void startEtcd() {
    etcd = EtcdServer.start();
  }

  @AfterAll
  static void stopEtcd() {
    etcd.close();
  }

  @Test
  void workerProcessRegistersWithdrawsOnSigtermAndExpiresOnSigkill() throws Exception {
    try (Membership observer = EtcdMembership.connect(etcd.clientSettings(), "proc");
        WorkerProcess polite = start("polite");
        WorkerProcess doomed = start("doomed")) {
      // Serving comes before the first etcd connection, which a fresh JVM makes slowly when busy.
      WorkerRecord registered =
          observer
              .await(
                  s -> s.workers().keySet().containsAll(java.util.List.of("polite", "doomed")),
                  JavaProcess.START_TIMEOUT)
              .workers()
              .get("polite");
      assertThat(registered.address()).isEqualTo(polite.address());
      assertThat(registered.state()).isEqualTo(WorkerState.READY);
      assertThat(registered.device()).isEqualTo("CPU");

      // 143: terminated by SIGTERM, after the shutdown hook ran.
      assertThat(polite.stop(Duration.ofSeconds(60))).isEqualTo(143);
      // SIGTERM drains and revokes the lease: gone without waiting for the TTL.
      observer.await(s -> !s.workers().containsKey("polite"), WAIT);
      assertThat(polite.logTail(50)).contains("worker polite stopped");

      doomed.kill();
      observer.await(s -> s.workers().isEmpty(), WAIT);
    }
  }

  private static WorkerProcess start(String id) {
    return WorkerProcess.start(
        id, logs, "--pipeline=proc", "--etcd=" + etcd.endpoint(), "--lease-ttl=2s");
  }
}
