package dev.adapt.worker;

import dev.adapt.core.membership.WorkerStatusProto;
import dev.adapt.core.wire.WorkerTrailers;
import dev.adapt.proto.v1.LoadSliceReply;
import dev.adapt.proto.v1.SliceChunk;
import dev.adapt.proto.v1.SliceOffer;
import dev.adapt.proto.v1.SliceOfferReply;
import dev.adapt.proto.v1.StageReply;
import dev.adapt.proto.v1.StageRequest;
import dev.adapt.proto.v1.StatusRequest;
import dev.adapt.proto.v1.WorkerGrpc;
import dev.adapt.proto.v1.WorkerStatus;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/** The {@code adapt.v1.Worker} gRPC service. */
final class WorkerService extends WorkerGrpc.WorkerImplBase {
  private final WorkerLifecycle lifecycle;
  private final SliceStore store;
  private final SliceInstaller installer;
  private final PeerChannels peers;
  private final Executor compute;
  private final WorkerMetrics metrics;
  private final WorkerSettings settings;

  WorkerService(
      WorkerLifecycle lifecycle,
      SliceStore store,
      SliceInstaller installer,
      PeerChannels peers,
      Executor compute,
      WorkerMetrics metrics,
      WorkerSettings settings) {
    this.lifecycle = lifecycle;
    this.store = store;
    this.installer = installer;
    this.peers = peers;
    this.compute = compute;
    this.metrics = metrics;
    this.settings = settings;
  }

  @Override
  public void offerSlice(SliceOffer request, StreamObserver<SliceOfferReply> response) {
    response.onNext(
        SliceOfferReply.newBuilder().setAlreadyLoaded(store.holds(request.getSha256())).build());
    response.onCompleted();
  }

  @Override
  public StreamObserver<SliceChunk> loadSlice(StreamObserver<LoadSliceReply> response) {
    return new SliceUpload(response, store, installer, metrics, settings.maxSliceBytes());
  }

  @Override
  public void status(StatusRequest request, StreamObserver<WorkerStatus> response) {
    response.onNext(WorkerStatusProto.toProto(lifecycle.record()));
    response.onCompleted();
  }

  @Override
  public void process(StageRequest request, StreamObserver<StageReply> response) {
    if (request.getRouteCount() == 0) {
      // A broken sender, not a rejected input: INVALID_ARGUMENT is reserved for the latter.
      reject(response, Status.INTERNAL.withDescription("request carries no route"));
      return;
    }
    var self = request.getRoute(0);
    if (!self.getWorkerId().equals(lifecycle.workerId())) {
      reject(
          response,
          Status.FAILED_PRECONDITION.withDescription(
              "batch "
                  + request.getBatchId()
                  + " is for worker "
                  + self.getWorkerId()
                  + ", this is worker "
                  + lifecycle.workerId()));
      return;
    }
    Optional<SliceStore.Handle> slice = store.acquire(self.getSliceSha256());
    if (slice.isEmpty()) {
      reject(
          response,
          Status.FAILED_PRECONDITION.withDescription(
              "worker "
                  + lifecycle.workerId()
                  + " does not hold slice "
                  + self.getSliceSha256()
                  + " for stage "
                  + self.getStage()
                  + " (holds "
                  + store.hashes()
                  + ")"));
      return;
    }
    lifecycle.batchStarted();
    BatchCall call =
        new BatchCall(
            request, response, lifecycle, metrics, peers, settings.hopTimeout().toMillis());
    try {
      compute.execute(Context.current().wrap(() -> call.run(slice.get())));
    } catch (RejectedExecutionException e) {
      slice.get().close();
      lifecycle.batchEnded();
      reject(
          response,
          Status.RESOURCE_EXHAUSTED.withDescription(
              "worker "
                  + lifecycle.workerId()
                  + " has "
                  + lifecycle.outstanding()
                  + " batches in flight and no room for more"));
    }
  }

  private void reject(StreamObserver<?> response, Status status) {
    metrics.failed(status.getCode().name());
    response.onError(status.asRuntimeException(WorkerTrailers.naming(lifecycle.workerId())));
  }
}
