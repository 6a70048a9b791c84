package dev.adapt.cli;

import static dev.adapt.cli.PipelineHarness.assertAllCorrect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.membership.EtcdMembership;
import dev.adapt.core.membership.Membership;
import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.plan.Partitioning;
import dev.adapt.core.testing.EtcdServer;
import dev.adapt.core.testing.TestModels;
import dev.adapt.dispatcher.Dispatcher;
import dev.adapt.dispatcher.DispatcherSettings;
import dev.adapt.dispatcher.planning.PipelineFactory;
import dev.adapt.dispatcher.plans.ServedPipeline;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A pipeline of two stages with two replicas each, registered in a real etcd, with real worker JVMs
 * on loopback, driven over the Open Inference Protocol.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EtcdPipelineTest {
  private static final String PIPELINE = "e2e-etcd";
  private static EtcdServer etcd;
  private static PipelineHarness harness;

  @BeforeAll
  static void start() throws Exception {
    etcd = EtcdServer.start();
    LoadedModel model = TestModels.fixture(TestModels.KERAS_RESIDUAL_CNN);
    ServedPipeline served = PipelineFactory.build(model, new Partitioning.Balanced(2), 1);
    harness =
        new PipelineHarness(
            model,
            served,
            2,
            0,
            PIPELINE,
            etcd.endpoint(),
            DispatcherSettings.builder(2).ports("127.0.0.1", 0, 0).build());
    // Ready means one replica per stage; these tests want both replicas of every stage.
    Awaitility.await()
        .atMost(Duration.ofSeconds(120))
        .until(() -> harness.cluster.dispatcher().replicas().stream().allMatch(r -> r.size() == 2));
  }

  @AfterAll
  static void stop() {
    try {
      if (harness != null) {
        harness.close();
      }
    } finally {
      etcd.close();
    }
  }

  @Test
  @Order(1)
  void answersEqualTheUnsplitModelOverHttpAndGrpc() throws Exception {
    assertAllCorrect(harness.load(24, 4, done -> {}));
    LoadRun.Result grpc =
        LoadRun.run(
            harness::grpc,
            24,
            4,
            harness.inputs::input,
            harness.inputs::expected,
            BenchCommand.TOLERANCE,
            done -> {},
            new ProgressBar(System.out, 24, false));
    assertAllCorrect(grpc);
  }

  @Test
  @Order(2)
  void slicesArePushedOncePerAssignmentNotPerRequest() throws Exception {
    Dispatcher dispatcher = harness.cluster.dispatcher();
    int workers = harness.cluster.workers().size();
    assertThat(dispatcher.sliceTransfers()).isEqualTo(workers);
    assertAllCorrect(harness.load(16, 4, done -> {}));
    assertThat(dispatcher.sliceTransfers()).isEqualTo(workers);

    // A second dispatcher finds every worker holding its slice: no bytes are sent again.
    try (Membership membership = EtcdMembership.connect(etcd.clientSettings(), PIPELINE);
        Dispatcher second =
            new Dispatcher(
                    harness.cluster.pipeline(),
                    membership,
                    DispatcherSettings.builder(2).ports("127.0.0.1", 0, 0).build())
                .start()) {
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(second::ready);
      assertThat(second.sliceTransfers()).isZero();
    }
  }

  @Test
  @Order(3)
  void killingOneOfTwoReplicasUnderLoadLosesNoRequest() throws Exception {
    harness.assertKillingOneOfTwoReplicasLosesNoRequest(1);
  }

  @Test
  @Order(4)
  void servingContinuesWhileEtcdRestartsAndWorkersRegisterAgain() throws Exception {
    AtomicBoolean restarted = new AtomicBoolean();
    Thread[] restarter = new Thread[1];
    LoadRun.Result result =
        harness.load(
            120,
            4,
            done -> {
              if (done >= 20 && restarted.compareAndSet(false, true)) {
                restarter[0] =
                    new Thread(
                        () -> {
                          etcd.kill();
                          try {
                            Thread.sleep(1000);
                          } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                          }
                          etcd.restart();
                        },
                        "etcd-restart");
                restarter[0].start();
              }
            });
    restarter[0].join(60_000);
    assertAllCorrect(result);
    int workers = harness.cluster.workers().size();
    try (Membership observer = EtcdMembership.connect(etcd.clientSettings(), PIPELINE)) {
      observer.await(s -> s.workers().size() == workers, Duration.ofSeconds(60));
    }
    assertAllCorrect(harness.load(12, 3, done -> {}));
  }
}
