package dev.adapt.cli;

import static dev.adapt.cli.PipelineHarness.assertAllCorrect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.plan.Partitioning;
import dev.adapt.core.testing.EtcdServer;
import dev.adapt.core.testing.TestModels;
import dev.adapt.dispatcher.DispatcherSettings;
import dev.adapt.dispatcher.planning.PipelineFactory;
import dev.adapt.dispatcher.plans.ServedPipeline;
import dev.adapt.proto.v1.StatusRequest;
import dev.adapt.proto.v1.WorkerGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@link EtcdPipelineTest}'s pipeline with mutual TLS on every hop: the dispatcher, each worker and
 * etcd hold certificates of one CA, etcd requires client certificates, the workers require them on
 * their gRPC port. Killing a replica under load still loses no request.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MutualTlsPipelineTest {
  private static final String PIPELINE = "e2e-mtls";
  private static LocalTls tls;
  private static EtcdServer etcd;
  private static PipelineHarness harness;

  @BeforeAll
  static void start() throws Exception {
    tls = LocalTls.create(PIPELINE);
    etcd = EtcdServer.startTls(tls.issue("etcd"));
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
            DispatcherSettings.builder(2).ports("127.0.0.1", 0, 0).build(),
            tls,
            List.of());
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
      if (etcd != null) {
        etcd.close();
      }
      tls.close();
    }
  }

  @Test
  @Order(1)
  void answersAreCorrectAndTheWorkersRefusePlaintext() throws Exception {
    assertThat(etcd.endpoint()).startsWith("https://");
    assertAllCorrect(harness.load(24, 4, done -> {}));
    for (WorkerProcess worker : harness.cluster.workers().values()) {
      ManagedChannel plaintext =
          Grpc.newChannelBuilder(worker.address(), InsecureChannelCredentials.create()).build();
      try {
        assertThatThrownBy(
                () ->
                    WorkerGrpc.newBlockingStub(plaintext)
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .status(StatusRequest.getDefaultInstance()))
            .satisfies(
                e ->
                    assertThat(Status.fromThrowable(e).getCode())
                        .isEqualTo(Status.Code.UNAVAILABLE));
      } finally {
        plaintext.shutdownNow();
      }
    }
  }

  @Test
  @Order(2)
  void killingOneOfTwoReplicasUnderLoadLosesNoRequest() throws Exception {
    harness.assertKillingOneOfTwoReplicasLosesNoRequest(1);
  }
}
