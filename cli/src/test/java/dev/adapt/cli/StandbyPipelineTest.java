package dev.adapt.cli;

import static dev.adapt.cli.PipelineHarness.assertAllCorrect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.plan.Partitioning;
import dev.adapt.core.testing.TestModels;
import dev.adapt.dispatcher.DispatcherSettings;
import dev.adapt.dispatcher.planning.PipelineFactory;
import dev.adapt.dispatcher.plans.ServedPipeline;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two stages with one replica each and one standby, under the launcher's static membership. The
 * first chunk of every first transfer is corrupted on its way to the worker, so every worker must
 * refuse one slice before it gets a good copy.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandbyPipelineTest {
  private static final CorruptFirstSliceChunk corruption = new CorruptFirstSliceChunk();
  private static PipelineHarness harness;

  @BeforeAll
  static void start() throws Exception {
    LoadedModel model = TestModels.fixture(TestModels.KERAS_RESIDUAL_CNN);
    ServedPipeline served = PipelineFactory.build(model, new Partitioning.Balanced(2), 1);
    harness =
        new PipelineHarness(
            model,
            served,
            1,
            1,
            "e2e-standby",
            null,
            DispatcherSettings.builder(2).ports("127.0.0.1", 0, 0).build(),
            null,
            List.of(corruption));
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  @Test
  @Order(1)
  void aCorruptChunkIsRefusedAndTheSliceSentAgain() throws Exception {
    int assigned = harness.cluster.pipeline().stageCount();
    assertThat(corruption.corrupted()).isGreaterThanOrEqualTo(assigned);
    assertThat(harness.cluster.dispatcher().refusedSliceTransfers())
        .isEqualTo(corruption.corrupted());
    assertThat(harness.cluster.dispatcher().sliceTransfers()).isEqualTo(2 * corruption.corrupted());
    assertAllCorrect(harness.load(16, 4, done -> {}));
  }

  @Test
  @Order(2)
  void killingTheOnlyReplicaOfAStagePromotesTheStandby() throws Exception {
    String victim = harness.cluster.workerOfStage(0).orElseThrow();
    // The standby may still be starting when the stages are ready: wait until it is assigned.
    String standby =
        Awaitility.await()
            .atMost(Duration.ofSeconds(90))
            .until(
                () ->
                    harness.cluster.membership().snapshot().assignments().values().stream()
                        .filter(Assignment::isStandby)
                        .map(Assignment::workerId)
                        .filter(
                            id -> harness.cluster.membership().snapshot().worker(id).isPresent())
                        .findFirst(),
                java.util.Optional::isPresent)
            .orElseThrow();
    AtomicBoolean killed = new AtomicBoolean();
    LoadRun.Result result =
        harness.load(
            120,
            4,
            done -> {
              if (done >= 20 && killed.compareAndSet(false, true)) {
                harness.cluster.kill(victim);
              }
            });
    assertThat(killed).isTrue();
    assertAllCorrect(result);
    assertThat(harness.cluster.membership().snapshot().assignment(standby).orElseThrow().stage())
        .isZero();
  }
}
