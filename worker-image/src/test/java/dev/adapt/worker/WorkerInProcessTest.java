package dev.adapt.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.adapt.core.membership.WorkerState;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.core.wire.TensorWireCodec;
import dev.adapt.core.wire.WorkerTrailers;
import dev.adapt.proto.v1.Compression;
import dev.adapt.proto.v1.FloatEncoding;
import dev.adapt.proto.v1.Hop;
import dev.adapt.proto.v1.SliceChunk;
import dev.adapt.proto.v1.SliceOffer;
import dev.adapt.proto.v1.SliceOfferReply;
import dev.adapt.proto.v1.StageReply;
import dev.adapt.proto.v1.StageRequest;
import dev.adapt.proto.v1.StatusRequest;
import dev.adapt.proto.v1.WorkerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The worker's gRPC service in one process, over the in-process transport. */
class WorkerInProcessTest {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static final byte[] DOUBLE = ScalingSlices.artifact(2f);
  private static final byte[] TRIPLE = ScalingSlices.artifact(3f);
  private static final byte[] FIVE = ScalingSlices.artifact(5f);

  private final ScalingSlices slices = new ScalingSlices();
  private final Map<String, Worker> workers = new HashMap<>();
  private final Map<String, String> addresses = new HashMap<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stopAll() {
    slices.gates.values().forEach(CountDownLatch::countDown);
    if (slices.warmUpGate != null) {
      slices.warmUpGate.countDown();
    }
    workers.values().forEach(Worker::close);
    channels.forEach(ManagedChannel::shutdownNow);
  }

  @Test
  void heldSliceIsOfferedAndReportedInStatus() throws Exception {
    var stub = stub(start("w1"));
    String sha = ScalingSlices.sha256(DOUBLE);
    assertThat(offer(stub, sha)).isFalse();

    var reply = SliceTransfers.send(stub, DOUBLE);

    assertThat(reply.getSha256()).isEqualTo(sha);
    assertThat(reply.getAlreadyLoaded()).isFalse();
    assertThat(offer(stub, sha)).isTrue();
    var status = blocking("w1").status(StatusRequest.getDefaultInstance());
    assertThat(status.getSliceSha256List()).containsExactly(sha);
    assertThat(status.getWorkerId()).isEqualTo("w1");
    assertThat(status.getState()).isEqualTo(dev.adapt.proto.v1.WorkerState.WORKER_STATE_READY);
    assertThat(status.getDevice()).isEqualTo("CPU");
  }

  @Test
  void aNewSliceIsWarmedBeforeItIsAnnounced() throws Exception {
    slices.warmUpGate = new CountDownLatch(1);
    Worker worker =
        start("w1", settingsFor("w1").toBuilder().warmUpBatchSizes(List.of(1, 8)).build());
    var stub = stub(worker);
    String sha = ScalingSlices.sha256(DOUBLE);

    CompletableFuture<?> transfer =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return SliceTransfers.send(stub, DOUBLE);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    assertThat(slices.warmUpEntered.await(20, TimeUnit.SECONDS)).isTrue();

    // Loaded but not warm: not held as far as anyone can tell, and the worker is LOADING.
    assertThat(offer(stub, sha)).isFalse();
    assertThat(worker.record().sliceSha256()).isEmpty();
    assertThat(worker.record().state()).isEqualTo(WorkerState.LOADING);
    assertThat(transfer).isNotDone();

    slices.warmUpGate.countDown();
    transfer.get(20, TimeUnit.SECONDS);

    assertThat(slices.warmUps.get(sha)).containsExactly(1, 8);
    assertThat(offer(stub, sha)).isTrue();
    assertThat(worker.record().state()).isEqualTo(WorkerState.READY);
  }

  @Test
  void warmingCanBeTurnedOff() throws Exception {
    Worker worker = start("w1", settingsFor("w1").toBuilder().warmUpBatchSizes(List.of()).build());

    SliceTransfers.send(stub(worker), DOUBLE);

    assertThat(offer(stub(worker), ScalingSlices.sha256(DOUBLE))).isTrue();
    assertThat(slices.warmUps).isEmpty();
  }

  @Test
  void alreadyHeldSliceIsAcknowledgedWithoutTheTransfer() throws Exception {
    var stub = stub(start("w1"));
    SliceTransfers.send(stub, DOUBLE);
    String sha = ScalingSlices.sha256(DOUBLE);

    // Only the header chunk, whose data would not even match: the worker stops reading there.
    var headerOnly =
        SliceTransfers.chunks(DOUBLE, sha, 7).get(0).toBuilder().setData(ByteString.EMPTY).build();
    var reply = SliceTransfers.send(stub, List.of(headerOnly), chunks -> chunks);

    assertThat(reply.getAlreadyLoaded()).isTrue();
    assertThat(reply.getSha256()).isEqualTo(sha);
  }

  @Test
  void corruptedChunkIsRefusedWithDataLossAndTheSliceCanBeSentAgain() throws Exception {
    var stub = stub(start("w1"));
    String sha = ScalingSlices.sha256(DOUBLE);
    List<SliceChunk> chunks = SliceTransfers.chunks(DOUBLE, sha, 4);

    assertThatThrownBy(
            () ->
                SliceTransfers.send(
                    stub,
                    chunks,
                    original -> {
                      List<SliceChunk> tampered = new ArrayList<>(original);
                      SliceChunk second = tampered.get(1);
                      byte[] data = second.getData().toByteArray();
                      data[0] ^= 0x5a;
                      tampered.set(
                          1, second.toBuilder().setData(ByteString.copyFrom(data)).build());
                      return tampered;
                    }))
        .satisfies(e -> assertStatus(e, Status.Code.DATA_LOSS, "hashes to"));
    assertThat(offer(stub, sha)).isFalse();

    assertThat(SliceTransfers.send(stub, DOUBLE).getSha256()).isEqualTo(sha);
    assertThat(offer(stub, sha)).isTrue();
  }

  @Test
  void truncatedLostAndOversizedTransfersAreRefused() throws Exception {
    var stub = stub(start("w1"));
    String sha = ScalingSlices.sha256(DOUBLE);
    List<SliceChunk> chunks = SliceTransfers.chunks(DOUBLE, sha, 4);

    assertThatThrownBy(() -> SliceTransfers.send(stub, chunks, c -> c.subList(0, c.size() - 1)))
        .satisfies(e -> assertStatus(e, Status.Code.DATA_LOSS, "truncated: received"));
    assertThatThrownBy(
            () ->
                SliceTransfers.send(
                    stub,
                    chunks,
                    c -> {
                      List<SliceChunk> lost = new ArrayList<>(c);
                      lost.remove(1);
                      return lost;
                    }))
        .satisfies(e -> assertStatus(e, Status.Code.DATA_LOSS, "chunks lost or reordered"));
    assertThatThrownBy(
            () ->
                SliceTransfers.send(
                    stub,
                    chunks,
                    c -> {
                      List<SliceChunk> longer = new ArrayList<>(c);
                      longer.add(
                          SliceChunk.newBuilder()
                              .setOffset(DOUBLE.length)
                              .setData(ByteString.copyFromUtf8("x"))
                              .build());
                      return longer;
                    }))
        .satisfies(e -> assertStatus(e, Status.Code.DATA_LOSS, "runs past its announced"));
    assertThat(offer(stub, sha)).isFalse();
  }

  @Test
  void malformedTransfersAreInvalid() {
    var stub = stub(start("w1"));
    byte[] garbage = "not a slice".getBytes();
    List<SliceChunk> noHeader =
        List.of(SliceChunk.newBuilder().setData(ByteString.copyFrom(garbage)).build());

    assertThatThrownBy(() -> SliceTransfers.send(stub, noHeader, c -> c))
        .satisfies(e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, "first chunk must carry"));
    assertThatThrownBy(() -> SliceTransfers.send(stub, garbage))
        .satisfies(
            e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, "not a valid slice artifact"));
    assertThatThrownBy(
            () -> SliceTransfers.send(stub, SliceTransfers.chunks(DOUBLE, "ABC", 4), c -> c))
        .satisfies(e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, "lower-case hex SHA-256"));
  }

  @Test
  void singleHopRunsTheSliceAndReportsTheHop() throws Exception {
    load(start("w1"), DOUBLE);
    HostTensor input = HostTensor.ofFloats(new long[] {2, 2}, new float[] {1, 2, 3, 4});

    StageReply reply =
        blocking("w1").process(request(input, Compression.COMPRESSION_NONE, hop("w1", 0, DOUBLE)));

    assertThat(TensorWireCodec.decode(reply.getOutput()).toFloatArray())
        .containsExactly(2, 4, 6, 8);
    assertThat(reply.getHopsList()).hasSize(1);
    assertThat(reply.getHops(0).getWorkerId()).isEqualTo("w1");
    assertThat(reply.getHops(0).getOutputRawBytes()).isEqualTo(16);
    assertThat(reply.getHops(0).getOutputWireBytes()).isEqualTo(16);
  }

  @Test
  void chainForwardsThroughEveryHopAndReturnsTheLastOutput() throws Exception {
    load(start("w1"), DOUBLE);
    load(start("w2"), TRIPLE);
    load(start("w3"), FIVE);
    float[] values = new float[4096];
    values[7] = 1f;
    HostTensor input = HostTensor.ofFloats(new long[] {1, 4096}, values);

    StageReply reply =
        blocking("w1")
            .process(
                request(
                    input,
                    Compression.COMPRESSION_LZ4,
                    hop("w1", 0, DOUBLE),
                    hop("w2", 1, TRIPLE),
                    hop("w3", 2, FIVE)));

    float[] out = TensorWireCodec.decode(reply.getOutput()).toFloatArray();
    assertThat(out[7]).isEqualTo(30f);
    assertThat(reply.getOutput().getCompression()).isEqualTo(Compression.COMPRESSION_LZ4);
    assertThat(reply.getHopsList())
        .extracting(h -> h.getWorkerId() + "@" + h.getStage())
        .containsExactly("w1@0", "w2@1", "w3@2");
    assertThat(reply.getHops(0).getOutputWireBytes())
        .isLessThan(reply.getHops(0).getOutputRawBytes() / 10);
  }

  @Test
  void lossyFloatsTravelBetweenStagesButTheAnswerIsExact() throws Exception {
    load(start("w1"), DOUBLE);
    load(start("w2"), TRIPLE);
    // 1 + 2^-10 needs 11 significant bits: float16 keeps it, bfloat16 rounds it to 1 (even).
    float[] values = {1f + 0x1p-10f, 3f, 0.1f, 1000f};
    HostTensor input = HostTensor.ofFloats(new long[] {1, 4}, values);
    StageRequest request =
        request(input, Compression.COMPRESSION_NONE, hop("w1", 0, DOUBLE), hop("w2", 1, TRIPLE))
            .toBuilder()
            .setForwardFloatEncoding(FloatEncoding.FLOAT_ENCODING_BFLOAT16)
            .build();

    StageReply reply = blocking("w1").process(request);

    assertThat(reply.getOutput().getFloatEncoding()).isEqualTo(FloatEncoding.FLOAT_ENCODING_EXACT);
    // The first hop forwarded 16-bit floats, the last answered with 32-bit ones.
    assertThat(reply.getHops(0).getOutputWireBytes()).isEqualTo(8);
    assertThat(reply.getHops(0).getOutputRawBytes()).isEqualTo(16);
    assertThat(reply.getHops(1).getOutputWireBytes()).isEqualTo(16);
    float[] out = TensorWireCodec.decode(reply.getOutput()).toFloatArray();
    assertThat(out[0]).isEqualTo(6f);
    assertThat(out[1]).isEqualTo(18f);
    assertThat(out[2]).isCloseTo(0.6f, org.assertj.core.data.Offset.offset(0.6f * 0x1p-8f));
    assertThat(out[3]).isEqualTo(6000f);
  }

  @Test
  void deadNextHopFailsTheCallAtOnceNamingIt() throws Exception {
    load(start("w1"), DOUBLE);
    load(start("w2"), TRIPLE);
    workers.remove("w2").close();

    assertThatThrownBy(
            () ->
                blocking("w1")
                    .process(
                        request(
                            floats(1),
                            Compression.COMPRESSION_LZ4,
                            hop("w1", 0, DOUBLE),
                            hop("w2", 1, TRIPLE))))
        .satisfies(e -> assertStatus(e, Status.Code.UNAVAILABLE, "worker w2"))
        .satisfies(e -> assertThat(WorkerTrailers.failedWorker(e)).contains("w2"));
  }

  @Test
  void deepestFailedHopIsNamedUpTheChain() throws Exception {
    load(start("w1"), DOUBLE);
    load(start("w2"), TRIPLE);
    start("w3"); // holds nothing

    assertThatThrownBy(
            () ->
                blocking("w1")
                    .process(
                        request(
                            floats(1),
                            Compression.COMPRESSION_NONE,
                            hop("w1", 0, DOUBLE),
                            hop("w2", 1, TRIPLE),
                            hop("w3", 2, FIVE))))
        .satisfies(e -> assertStatus(e, Status.Code.UNAVAILABLE, "FAILED_PRECONDITION"))
        .satisfies(e -> assertThat(WorkerTrailers.failedWorker(e)).contains("w3"));
  }

  @Test
  void callersDeadlineCarriesOverToTheNextHop() throws Exception {
    byte[] gated = ScalingSlices.gatedArtifact(3f, "slow");
    load(start("w1"), DOUBLE);
    load(start("w2"), gated);
    StageRequest request =
        request(floats(1), Compression.COMPRESSION_NONE, hop("w1", 0, DOUBLE), hop("w2", 1, gated));

    assertThatThrownBy(
            () ->
                WorkerGrpc.newBlockingStub(channel("w1"))
                    .withDeadlineAfter(500, TimeUnit.MILLISECONDS)
                    .process(request))
        .satisfies(
            e ->
                assertThat(Status.fromThrowable(e).getCode())
                    .isEqualTo(Status.Code.DEADLINE_EXCEEDED));

    // w2 is still stuck in its slice, yet w1 is done with the batch: its call to w2 expired with
    // the caller's deadline instead of waiting for the 60 s hop timeout.
    assertThat(slices.entered("slow").await(10, TimeUnit.SECONDS)).isTrue();
    await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> workers.get("w1").record().outstanding() == 0);
    assertThat(workers.get("w2").record().outstanding()).isEqualTo(1);
    slices.gate("slow").countDown();
    await().until(() -> workers.get("w2").record().outstanding() == 0);
  }

  @Test
  void ownFailuresNameThisWorker() throws Exception {
    load(start("w1"), DOUBLE);
    var stub = blocking("w1");

    assertThatThrownBy(
            () ->
                stub.process(
                    request(floats(1), Compression.COMPRESSION_NONE, hop("w1", 0, TRIPLE))))
        .satisfies(e -> assertStatus(e, Status.Code.FAILED_PRECONDITION, "does not hold slice"))
        .satisfies(e -> assertThat(WorkerTrailers.failedWorker(e)).contains("w1"));
    assertThatThrownBy(
            () ->
                stub.process(
                    request(floats(1), Compression.COMPRESSION_NONE, hop("w9", 0, DOUBLE))))
        .satisfies(e -> assertStatus(e, Status.Code.FAILED_PRECONDITION, "this is worker w1"));
    StageRequest corrupt =
        request(floats(4), Compression.COMPRESSION_NONE, hop("w1", 0, DOUBLE)).toBuilder()
            .setInput(
                TensorWireCodec.encode(floats(4), Compression.COMPRESSION_LZ4).toBuilder()
                    .setData(ByteString.copyFromUtf8("garbage"))
                    .build())
            .build();
    // Neither is the client's fault: INVALID_ARGUMENT would tell the dispatcher it was.
    assertThatThrownBy(() -> stub.process(corrupt))
        .satisfies(e -> assertStatus(e, Status.Code.DATA_LOSS, "LZ4 block"));
    assertThatThrownBy(() -> stub.process(StageRequest.getDefaultInstance()))
        .satisfies(e -> assertStatus(e, Status.Code.INTERNAL, "no route"));
  }

  @Test
  void anUnexpectedExceptionInTheSliceIsAnInternalErrorOfThisWorker() throws Exception {
    byte[] buggy = ScalingSlices.faultyArtifact(2f, "bug");
    load(start("w1"), buggy);

    assertThatThrownBy(
            () ->
                blocking("w1")
                    .process(request(floats(1), Compression.COMPRESSION_NONE, hop("w1", 0, buggy))))
        .satisfies(e -> assertStatus(e, Status.Code.INTERNAL, "a bug in the slice"))
        .satisfies(e -> assertThat(WorkerTrailers.failedWorker(e)).contains("w1"));
  }

  @Test
  void anInputRejectedByALaterStageIsRelayedAsInvalid() {
    assertThatThrownBy(() -> throughSecondStage(ScalingSlices.faultyArtifact(3f, "reject")))
        .satisfies(
            e ->
                assertStatus(
                    e, Status.Code.INVALID_ARGUMENT, "stage 1 rejected the input of batch b1"))
        .satisfies(e -> assertThat(WorkerTrailers.failedWorker(e)).contains("w2"));
  }

  @Test
  void aBugInALaterStageIsRelayedAsThatWorkersInternalError() {
    assertThatThrownBy(() -> throughSecondStage(ScalingSlices.faultyArtifact(3f, "bug")))
        .satisfies(e -> assertStatus(e, Status.Code.INTERNAL, "stage 1 failed on batch b1"))
        .satisfies(e -> assertThat(WorkerTrailers.failedWorker(e)).contains("w2"));
  }

  /** Runs a batch through w1 (doubling) and w2, which holds {@code second}. */
  private StageReply throughSecondStage(byte[] second) throws Exception {
    load(start("w1"), DOUBLE);
    load(start("w2"), second);
    return blocking("w1")
        .process(
            request(
                floats(1),
                Compression.COMPRESSION_LZ4,
                hop("w1", 0, DOUBLE),
                hop("w2", 1, second)));
  }

  @Test
  void loadingNewSlicesKeepsInFlightBatchesOnTheOldOne() throws Exception {
    Worker worker = start("w1", settingsFor("w1").toBuilder().maxSlices(1).build());
    byte[] gated = ScalingSlices.gatedArtifact(2f, "old");
    load(worker, gated);
    CompletableFuture<StageReply> inFlight =
        processAsync("w1", request(floats(2), Compression.COMPRESSION_NONE, hop("w1", 0, gated)));
    assertThat(slices.entered("old").await(10, TimeUnit.SECONDS)).isTrue();

    // Holding at most one slice, loading another evicts the one the batch is running on.
    load(worker, TRIPLE);
    assertThat(worker.record().sliceSha256()).containsExactly(ScalingSlices.sha256(TRIPLE));
    assertThat(slices.closed).doesNotContainKey(ScalingSlices.sha256(gated));

    slices.gate("old").countDown();
    assertThat(
            TensorWireCodec.decode(inFlight.get(10, TimeUnit.SECONDS).getOutput()).toFloatArray())
        .containsExactly(2, 2);
    await().untilAsserted(() -> assertThat(slices.closed).containsKey(ScalingSlices.sha256(gated)));
    assertThatThrownBy(
            () ->
                blocking("w1")
                    .process(request(floats(1), Compression.COMPRESSION_NONE, hop("w1", 0, gated))))
        .satisfies(e -> assertStatus(e, Status.Code.FAILED_PRECONDITION, "does not hold slice"));
  }

  @Test
  void keepsTheCurrentAndPreviousSliceByDefault() throws Exception {
    Worker worker = start("w1");
    load(worker, DOUBLE);
    load(worker, TRIPLE);
    load(worker, FIVE);

    assertThat(worker.record().sliceSha256())
        .containsExactly(ScalingSlices.sha256(TRIPLE), ScalingSlices.sha256(FIVE));
    assertThat(slices.closed).containsOnlyKeys(ScalingSlices.sha256(DOUBLE));
  }

  @Test
  void fullQueueAnswersResourceExhaustedAtOnce() throws Exception {
    start("w1", settingsFor("w1").toBuilder().compute(1, 1).build());
    byte[] gated = ScalingSlices.gatedArtifact(2f, "busy");
    load(workers.get("w1"), gated);
    StageRequest request = request(floats(1), Compression.COMPRESSION_NONE, hop("w1", 0, gated));
    CompletableFuture<StageReply> computing = processAsync("w1", request);
    assertThat(slices.entered("busy").await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<StageReply> queued = processAsync("w1", request);
    await().until(() -> workers.get("w1").record().outstanding() == 2);

    assertThatThrownBy(() -> blocking("w1").process(request))
        .satisfies(e -> assertStatus(e, Status.Code.RESOURCE_EXHAUSTED, "no room for more"));

    slices.gate("busy").countDown();
    computing.get(10, TimeUnit.SECONDS);
    queued.get(10, TimeUnit.SECONDS);
    await().until(() -> workers.get("w1").record().outstanding() == 0);
  }

  @Test
  void healthIsServingWhileReadyAndMetricsAreExported() throws Exception {
    Worker worker = start("w1", settingsFor("w1").toBuilder().metricsPort(0).build());
    load(worker, DOUBLE);
    blocking("w1").process(request(floats(8), Compression.COMPRESSION_LZ4, hop("w1", 0, DOUBLE)));

    var health =
        HealthGrpc.newBlockingStub(channel("w1"))
            .check(HealthCheckRequest.newBuilder().setService(WorkerGrpc.SERVICE_NAME).build());
    assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(worker.record().state()).isEqualTo(WorkerState.READY);

    String metrics = scrape(worker.metricsPort());
    assertThat(metrics)
        .contains("adapt_worker_compute_seconds_bucket{stage=\"0\"")
        .contains("adapt_worker_batch_size_sum{stage=\"0\"} 1.0")
        .contains("adapt_worker_output_raw_bytes_total{stage=\"0\"} 32.0")
        .contains("adapt_worker_compression_ratio_count{stage=\"0\"} 1")
        .contains("adapt_worker_inflight 0.0")
        .contains("adapt_worker_slice_loads_seconds_count{outcome=\"loaded\"} 1");
  }

  private static String scrape(int port) throws IOException, InterruptedException {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  private WorkerSettings settingsFor(String id) {
    return WorkerSettings.defaults("test", id, 0);
  }

  private Worker start(String id) {
    return start(id, settingsFor(id));
  }

  private Worker start(String id, WorkerSettings base) {
    String name = "worker-" + id + "-" + NAMES.incrementAndGet();
    addresses.put(id, name);
    WorkerSettings settings = base.toBuilder().advertisedAddress(name).build();
    try {
      Worker worker =
          Worker.start(
              settings,
              slices,
              "CPU",
              InProcessServerBuilder.forName(name),
              InProcessChannelBuilder::forName);
      workers.put(id, worker);
      return worker;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void load(Worker worker, byte[] artifact) throws Exception {
    SliceTransfers.send(stub(worker), artifact);
  }

  private WorkerGrpc.WorkerStub stub(Worker worker) {
    return WorkerGrpc.newStub(channel(worker.workerId()));
  }

  private WorkerGrpc.WorkerBlockingStub blocking(String id) {
    return WorkerGrpc.newBlockingStub(channel(id)).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private ManagedChannel channel(String id) {
    ManagedChannel channel = InProcessChannelBuilder.forName(addresses.get(id)).build();
    channels.add(channel);
    return channel;
  }

  private CompletableFuture<StageReply> processAsync(String id, StageRequest request) {
    FutureObserver<StageReply> result = new FutureObserver<>();
    WorkerGrpc.newStub(channel(id))
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .process(request, result);
    return result.future;
  }

  private static boolean offer(WorkerGrpc.WorkerStub stub, String sha) throws Exception {
    FutureObserver<SliceOfferReply> reply = new FutureObserver<>();
    stub.offerSlice(SliceOffer.newBuilder().setSha256(sha).build(), reply);
    return reply.get().getAlreadyLoaded();
  }

  private Hop hop(String id, int stage, byte[] artifact) {
    return Hop.newBuilder()
        .setWorkerId(id)
        .setAddress(addresses.getOrDefault(id, "missing-" + id))
        .setStage(stage)
        .setSliceSha256(ScalingSlices.sha256(artifact))
        .build();
  }

  private static StageRequest request(HostTensor input, Compression compression, Hop... route) {
    return StageRequest.newBuilder()
        .setBatchId("b1")
        .setAttempt(1)
        .addAllRoute(List.of(route))
        .setInput(TensorWireCodec.encode(input, compression))
        .setForwardCompression(compression)
        .build();
  }

  private static HostTensor floats(int count) {
    float[] values = new float[count];
    java.util.Arrays.fill(values, 1f);
    return HostTensor.ofFloats(new long[] {1, count}, values);
  }

  private static void assertStatus(Throwable error, Status.Code code, String text) {
    assertThat(error).isInstanceOf(StatusRuntimeException.class);
    Status status = Status.fromThrowable(error);
    assertThat(status.getCode()).as(status.toString()).isEqualTo(code);
    assertThat(status.getDescription()).contains(text);
  }
}
