package dev.adapt.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.EtcdMembership;
import dev.adapt.core.membership.EtcdSettings;
import dev.adapt.core.membership.Membership;
import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.plan.Partitioning;
import dev.adapt.core.slice.ExecutorOptions;
import dev.adapt.core.slice.InputRejectedException;
import dev.adapt.core.slice.SliceArtifact;
import dev.adapt.core.slice.SliceExecutor;
import dev.adapt.core.slice.TensorFlowSliceExecutor;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.core.testing.EtcdServer;
import dev.adapt.core.testing.TestModels;
import dev.adapt.core.wire.WireEncoding;
import dev.adapt.dispatcher.Dispatcher;
import dev.adapt.dispatcher.DispatcherSettings;
import dev.adapt.dispatcher.planning.PipelineFactory;
import dev.adapt.dispatcher.plans.ServedPipeline;
import dev.adapt.dispatcher.routing.RouterConfig;
import dev.adapt.worker.SliceLoader;
import dev.adapt.worker.Worker;
import dev.adapt.worker.WorkerSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a client sees when a worker's slice fails: a dispatcher and real workers in this JVM on
 * loopback (gRPC, TensorFlow, a real etcd), a two-stage MLP, and second-stage workers whose slice
 * throws. A worker's bug is answered by a replay or a 5xx, never a 400; only a rejected input is a
 * 400.
 */
class WorkerFaultsTest {
  private static final AtomicInteger PIPELINES = new AtomicInteger();
  private static LoadedModel model;
  private static ServedPipeline served;
  private static UnsplitModel reference;
  private static EtcdServer etcd;

  private final List<AutoCloseable> open = new ArrayList<>();
  private final AtomicInteger faultyRuns = new AtomicInteger();
  private Dispatcher dispatcher;

  /** How a second-stage worker's slice behaves. */
  private enum Fault {
    NONE,
    /** Throws what a bug throws; an IllegalArgumentException used to read as the client's fault. */
    BUG,
    /** Refuses the input, as a slice does for a shape it cannot take. */
    REJECT
  }

  @BeforeAll
  static void planTheModel() {
    model = TestModels.fixture(TestModels.MODULE_MLP);
    served = PipelineFactory.build(model, new Partitioning.Balanced(2), 1);
    reference = new UnsplitModel(model, new ExecutorOptions(1, 1));
    etcd = EtcdServer.start();
  }

  @AfterAll
  static void closeReference() {
    reference.close();
    etcd.close();
  }

  @AfterEach
  void stopAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  @Test
  void aWorkerBugIsAnsweredByAReplayOnAnotherReplica() throws Exception {
    start(RouterConfig.defaults(), Fault.BUG, Fault.NONE);

    try (HttpOipClient client = client()) {
      for (int i = 0; i < 6; i++) {
        HostTensor input = TestModels.randomFloats(i, 2, 16);
        HostTensor output = client.infer("r" + i, input).output();
        assertThat(TestModels.maxAbsDiff(output, reference.run(input))).isLessThanOrEqualTo(1e-5);
      }
    }
    assertThat(faultyRuns.get()).as("batches the faulty worker failed").isPositive();
  }

  @Test
  void aWorkerBugWithNoOtherReplicaIsAServerErrorNotTheClients() throws Exception {
    start(
        new RouterConfig(Duration.ofSeconds(30), Duration.ofMillis(50), 3, WireEncoding.LZ4),
        Fault.BUG);

    try (HttpOipClient client = client()) {
      assertThatThrownBy(() -> client.infer("r", TestModels.randomFloats(1, 1, 16)))
          .hasMessageStartingWith("HTTP 500")
          .hasMessageContaining("failed on 3 routes")
          .hasMessageContaining("a bug in the slice");
    }
    assertThat(faultyRuns.get()).as("replayed up to the attempt limit").isEqualTo(3);
  }

  @Test
  void anInputTheModelRejectsIsTheClientsFaultAndNotReplayed() throws Exception {
    start(RouterConfig.defaults(), Fault.REJECT);

    try (HttpOipClient client = client()) {
      assertThatThrownBy(() -> client.infer("r", TestModels.randomFloats(1, 1, 16)))
          .hasMessageStartingWith("HTTP 400")
          .hasMessageContaining("the model rejected the input")
          .hasMessageContaining("stage 1 rejected the input");
    }
    assertThat(faultyRuns.get()).isEqualTo(1);
  }

  /** A worker for stage 0 and one per fault for stage 1, then the dispatcher, ready to serve. */
  private void start(RouterConfig router, Fault... secondStage) throws Exception {
    String pipeline = "faults-" + PIPELINES.incrementAndGet();
    Membership membership =
        track(EtcdMembership.connect(EtcdSettings.of(etcd.endpoint()), pipeline));
    List<Assignment> assignments = new ArrayList<>();
    assignments.add(startWorker(pipeline, pipeline + "-s0", 0, Fault.NONE));
    for (int i = 0; i < secondStage.length; i++) {
      assignments.add(startWorker(pipeline, pipeline + "-s1-" + i, 1, secondStage[i]));
    }
    membership.putAssignments(assignments);
    dispatcher =
        track(
            new Dispatcher(
                    served,
                    membership,
                    DispatcherSettings.builder(2).ports("127.0.0.1", 0, 0).router(router).build())
                .start());
    Awaitility.await().atMost(Duration.ofMinutes(2)).until(dispatcher::ready);
  }

  /** A worker on a free loopback port, registered in etcd, to be assigned {@code stage}. */
  private Assignment startWorker(String pipeline, String id, int stage, Fault fault)
      throws Exception {
    WorkerSettings settings =
        WorkerSettings.defaults(pipeline, id, 0).toBuilder()
            .etcd(Optional.of(EtcdSettings.of(etcd.endpoint())))
            .build();
    track(Worker.start(settings, loader(fault), "CPU"));
    return new Assignment(id, stage, served.plan().generation());
  }

  /** Real slices; a faulty one warms up like any other, then fails every batch. */
  private SliceLoader loader(Fault fault) {
    return bytes -> {
      TensorFlowSliceExecutor real =
          TensorFlowSliceExecutor.load(SliceArtifact.parse(bytes), new ExecutorOptions(1, 1));
      return fault == Fault.NONE ? real : new FaultySlice(real, fault);
    };
  }

  private final class FaultySlice implements SliceExecutor {
    private final SliceExecutor real;
    private final Fault fault;

    FaultySlice(SliceExecutor real, Fault fault) {
      this.real = real;
      this.fault = fault;
    }

    @Override
    public String sha256() {
      return real.sha256();
    }

    @Override
    public HostTensor run(HostTensor input) {
      faultyRuns.incrementAndGet();
      if (fault == Fault.REJECT) {
        throw new InputRejectedException("the slice refuses " + input);
      }
      throw new IllegalArgumentException("index 3 out of range (a bug in the slice)");
    }

    @Override
    public boolean warmUp(int batchSize) {
      return real.warmUp(batchSize);
    }

    @Override
    public void close() {
      real.close();
    }
  }

  private HttpOipClient client() {
    var api = served.model();
    return new HttpOipClient(
        "http://127.0.0.1:" + dispatcher.httpPort(),
        api.name(),
        api.input().name(),
        api.output().name(),
        Duration.ofMinutes(2));
  }

  private <T extends AutoCloseable> T track(T closeable) {
    open.add(closeable);
    return closeable;
  }
}
