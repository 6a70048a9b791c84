package dev.adapt.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.StaticMembership;
import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.plan.Plan;
import dev.adapt.core.plan.Planner;
import dev.adapt.core.slice.SliceArtifact;
import dev.adapt.core.slice.Slicer;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.core.testing.TestModels;
import dev.adapt.core.wire.TensorWireCodec;
import dev.adapt.core.wire.WorkerTrailers;
import dev.adapt.proto.v1.Compression;
import dev.adapt.proto.v1.Hop;
import dev.adapt.proto.v1.SliceChunk;
import dev.adapt.proto.v1.SliceOffer;
import dev.adapt.proto.v1.StageReply;
import dev.adapt.proto.v1.StageRequest;
import dev.adapt.proto.v1.WorkerGrpc;
import dev.adapt.worker.testing.WorkerProcess;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real worker processes on loopback running real slices of a Keras CNN (TensorFlow 2.18 SavedModel
 * fixture, cut in two): chained forwarding, slice transfer checks, and what happens when the next
 * hop is killed.
 */
class WorkerMultiProcessTest {
  private static final double TOLERANCE = 1e-5;
  private static final String[] WORKER_ARGS = {
    "--pipeline=mp", "--intra-op-threads=1", "--inter-op-threads=1"
  };

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  static Path logs;

  private static List<SliceArtifact> slices;
  private static HostTensor input;
  private static HostTensor expected;
  private static final List<AutoCloseable> cleanup = new ArrayList<>();
  private static WorkerProcess first;
  private static WorkerProcess second;

  @BeforeAll
  static void startWorkers() throws Exception {
    LoadedModel model = TestModels.fixture(TestModels.KERAS_RESIDUAL_CNN);
    Plan plan = Planner.balanced(model, 2);
    slices = Slicer.slice(model, plan);
    input = TestModels.reference(TestModels.KERAS_RESIDUAL_CNN, "input", new long[] {4, 32, 32, 3});
    expected = TestModels.reference(TestModels.KERAS_RESIDUAL_CNN, "output", new long[] {4, 10});
    first = track(WorkerProcess.start("w1", logs, WORKER_ARGS));
    second = track(WorkerProcess.start("w2", logs, WORKER_ARGS));
    assertThat(push(first, slices.get(0)).getAlreadyLoaded()).isFalse();
    assertThat(push(second, slices.get(1)).getAlreadyLoaded()).isFalse();
  }

  @AfterAll
  static void stopWorkers() throws Exception {
    for (AutoCloseable closeable : cleanup) {
      closeable.close();
    }
  }

  @Test
  void batchIsForwardedAcrossProcessesAndMatchesTheUnsplitModel() {
    for (Compression compression : Compression.values()) {
      if (compression == Compression.UNRECOGNIZED) {
        continue;
      }
      StageReply reply =
          blocking(first).process(request(compression, hop(first, 0), hop(second, 1)));

      HostTensor output = TensorWireCodec.decode(reply.getOutput());
      assertThat(TestModels.maxAbsDiff(output, expected)).isLessThanOrEqualTo(TOLERANCE);
      assertThat(reply.getHopsList())
          .extracting(h -> h.getWorkerId() + "@" + h.getStage())
          .containsExactly("w1@0", "w2@1");
      // The last hop's output is the 4 x 10 float32 logits.
      assertThat(reply.getHops(1).getOutputRawBytes()).isEqualTo(160);
      if (compression == Compression.COMPRESSION_NONE) {
        assertThat(reply.getHops(0).getOutputWireBytes())
            .isEqualTo(reply.getHops(0).getOutputRawBytes());
      }
    }
  }

  @Test
  void anInputTheSliceDoesNotTakeIsRejectedAsInvalidNamingTheShape() {
    HostTensor tooSmall = TestModels.randomFloats(3, 1, 16, 16, 3);
    StageRequest request =
        request(Compression.COMPRESSION_NONE, hop(first, 0), hop(second, 1)).toBuilder()
            .setInput(TensorWireCodec.encode(tooSmall, Compression.COMPRESSION_NONE))
            .build();

    assertThatThrownBy(() -> blocking(first).process(request))
        .satisfies(
            e -> {
              Status status = Status.fromThrowable(e);
              assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(status.getDescription())
                  .contains("stage 0 rejected the input")
                  .contains("got FLOAT32[1, 16, 16, 3]");
              assertThat(WorkerTrailers.failedWorker(e)).contains("w1");
            });
  }

  @Test
  void sliceAlreadyHeldIsSkipped() throws Exception {
    assertThat(offered(first, slices.get(0))).isTrue();
    assertThat(offered(first, slices.get(1))).isFalse();

    assertThat(push(first, slices.get(0)).getAlreadyLoaded()).isTrue();
  }

  @Test
  void corruptChunkIsRejectedWithDataLoss() {
    SliceArtifact artifact = slices.get(1);
    List<SliceChunk> chunks = SliceTransfers.chunks(artifact.bytes(), artifact.sha256(), 64 * 1024);

    assertThatThrownBy(
            () ->
                SliceTransfers.send(
                    stub(first),
                    chunks,
                    original -> {
                      List<SliceChunk> tampered = new ArrayList<>(original);
                      SliceChunk last = tampered.get(tampered.size() - 1);
                      byte[] data = last.getData().toByteArray();
                      data[data.length / 2] ^= 1;
                      tampered.set(
                          tampered.size() - 1,
                          last.toBuilder().setData(ByteString.copyFrom(data)).build());
                      return tampered;
                    }))
        .satisfies(
            e -> {
              Status status = Status.fromThrowable(e);
              assertThat(status.getCode()).isEqualTo(Status.Code.DATA_LOSS);
              assertThat(status.getDescription()).contains("corrupted in transfer");
            });
    assertThat(offered(first, artifact)).isFalse();
  }

  @Test
  void killedNextHopFailsTheCallPromptlyNamingIt() throws Exception {
    WorkerProcess doomed = track(WorkerProcess.start("w3", logs, WORKER_ARGS));
    push(doomed, slices.get(1));
    try (StaticMembership membership = new StaticMembership("mp")) {
      membership.addWorker("w3", doomed.address(), doomed.handle());
      membership.await(s -> s.workers().containsKey("w3"), Duration.ofSeconds(60));
      // A first batch opens w1's connection to w3.
      blocking(first).process(request(Compression.COMPRESSION_LZ4, hop(first, 0), hop(doomed, 1)));

      doomed.kill();

      long start = System.nanoTime();
      assertThatThrownBy(
              () ->
                  blocking(first)
                      .process(request(Compression.COMPRESSION_LZ4, hop(first, 0), hop(doomed, 1))))
          .satisfies(
              e -> {
                assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(WorkerTrailers.failedWorker(e)).contains("w3");
              });
      // Reported at once, far inside the 60 s deadline: no timeout was waited for.
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
      MembershipSnapshot after =
          membership.await(s -> !s.workers().containsKey("w3"), Duration.ofSeconds(5));
      assertThat(after.workers()).doesNotContainKey("w3");
    }
    // The first worker is unharmed and still serves its stage.
    StageReply reply =
        blocking(first)
            .process(request(Compression.COMPRESSION_LZ4, hop(first, 0), hop(second, 1)));
    assertThat(TestModels.maxAbsDiff(TensorWireCodec.decode(reply.getOutput()), expected))
        .isLessThanOrEqualTo(TOLERANCE);
  }

  private static <T extends AutoCloseable> T track(T closeable) {
    cleanup.add(0, closeable);
    return closeable;
  }

  private static dev.adapt.proto.v1.LoadSliceReply push(WorkerProcess worker, SliceArtifact slice)
      throws Exception {
    return SliceTransfers.send(
        stub(worker),
        SliceTransfers.chunks(slice.bytes(), slice.sha256(), 1024 * 1024),
        chunks -> chunks);
  }

  private static boolean offered(WorkerProcess worker, SliceArtifact slice) {
    return WorkerGrpc.newBlockingStub(channel(worker))
        .offerSlice(SliceOffer.newBuilder().setSha256(slice.sha256()).build())
        .getAlreadyLoaded();
  }

  private static StageRequest request(Compression compression, Hop... route) {
    return StageRequest.newBuilder()
        .setBatchId("mp")
        .setAttempt(1)
        .addAllRoute(List.of(route))
        .setInput(TensorWireCodec.encode(input, compression))
        .setForwardCompression(compression)
        .build();
  }

  private static Hop hop(WorkerProcess worker, int stage) {
    return Hop.newBuilder()
        .setWorkerId(worker.workerId())
        .setAddress(worker.address())
        .setStage(stage)
        .setSliceSha256(slices.get(stage).sha256())
        .build();
  }

  private static WorkerGrpc.WorkerStub stub(WorkerProcess worker) {
    return WorkerGrpc.newStub(channel(worker));
  }

  private static WorkerGrpc.WorkerBlockingStub blocking(WorkerProcess worker) {
    return WorkerGrpc.newBlockingStub(channel(worker)).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  private static ManagedChannel channel(WorkerProcess worker) {
    ManagedChannel channel =
        Grpc.newChannelBuilder(worker.address(), InsecureChannelCredentials.create())
            .maxInboundMessageSize(PeerChannels.MAX_MESSAGE_BYTES)
            .build();
    cleanup.add(0, channel::shutdownNow);
    return channel;
  }
}
