package dev.adapt.worker;

import dev.adapt.core.slice.InputRejectedException;
import dev.adapt.core.slice.SliceExecutor;
import dev.adapt.core.slice.SliceOutput;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.core.wire.TensorWireCodec;
import dev.adapt.core.wire.WireEncoding;
import dev.adapt.core.wire.WireFormatException;
import dev.adapt.core.wire.WorkerTrailers;
import dev.adapt.proto.v1.Hop;
import dev.adapt.proto.v1.HopReport;
import dev.adapt.proto.v1.StageReply;
import dev.adapt.proto.v1.StageRequest;
import dev.adapt.proto.v1.WireTensor;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code Process} call: runs this hop's slice, forwards the output to the next hop and relays
 * the last hop's reply. Exactly one answer goes upstream. A failure of a later hop is answered at
 * once with UNAVAILABLE naming the deepest failed worker; this worker's own failures name itself.
 * INVALID_ARGUMENT means one thing only, whichever hop answers it: a slice rejected the input
 * ({@link InputRejectedException}). Every other failure of a hop is the system's: INTERNAL for a
 * worker's own error, relayed as such from later hops.
 */
final class BatchCall {
  private static final Logger LOG = LoggerFactory.getLogger(BatchCall.class);

  private final StageRequest request;
  private final ServerCallStreamObserver<StageReply> response;
  private final WorkerLifecycle lifecycle;
  private final WorkerMetrics metrics;
  private final PeerChannels peers;
  private final long defaultHopTimeoutMillis;
  private final AtomicBoolean answered = new AtomicBoolean();
  private final Hop self;
  // The slice's output until the next hop has it: forwarded without a copy, so the executor's
  // memory behind it must outlive the forwarding call.
  private volatile SliceOutput held;

  BatchCall(
      StageRequest request,
      StreamObserver<StageReply> response,
      WorkerLifecycle lifecycle,
      WorkerMetrics metrics,
      PeerChannels peers,
      long defaultHopTimeoutMillis) {
    this.request = request;
    this.response = (ServerCallStreamObserver<StageReply>) response;
    this.lifecycle = lifecycle;
    this.metrics = metrics;
    this.peers = peers;
    this.defaultHopTimeoutMillis = defaultHopTimeoutMillis;
    this.self = request.getRoute(0);
    // Without a handler, answering a call the caller gave up on would throw.
    this.response.setOnCancelHandler(
        () -> LOG.debug("batch {} cancelled by the caller", request.getBatchId()));
  }

  /** Runs on a compute thread, inside the call's context (deadline, cancellation). */
  void run(SliceStore.Handle slice) {
    WireTensor output;
    HopReport report;
    try (slice) {
      if (Context.current().isCancelled()) {
        finish();
        return;
      }
      HostTensor input = TensorWireCodec.decode(request.getInput());
      SliceExecutor executor = slice.executor();
      long start = System.nanoTime();
      held = executor.runHeld(input);
      long nanos = System.nanoTime() - start;
      metrics.computed(self.getStage(), input.rank() == 0 ? 1 : input.dim(0), nanos);
      output = TensorWireCodec.encode(held.tensor(), outputEncoding());
      long raw = TensorWireCodec.rawBytes(output);
      long wire = TensorWireCodec.wireBytes(output);
      metrics.output(self.getStage(), raw, wire);
      report =
          HopReport.newBuilder()
              .setStage(self.getStage())
              .setWorkerId(lifecycle.workerId())
              .setComputeMillis(nanos / 1e6)
              .setOutputRawBytes(raw)
              .setOutputWireBytes(wire)
              .build();
    } catch (InputRejectedException e) {
      // The one failure that is the input's fault: the dispatcher answers it as invalid.
      failHere(
          Status.INVALID_ARGUMENT.withDescription(
              "stage "
                  + self.getStage()
                  + " rejected the input of batch "
                  + request.getBatchId()
                  + ": "
                  + e.getMessage()));
      return;
    } catch (WireFormatException e) {
      // The dispatcher or the previous hop encoded it; a client's input never reaches a worker
      // unchecked, so corrupt bytes here are the system's failure (replayed on another route).
      LOG.warn("batch {} arrived corrupt: {}", request.getBatchId(), e.getMessage());
      failHere(
          Status.DATA_LOSS.withDescription(
              "input of batch " + request.getBatchId() + " arrived corrupt: " + e.getMessage()));
      return;
    } catch (RuntimeException e) {
      // Whatever else it is, an IllegalArgumentException included, the worker failed, not the
      // input: INTERNAL, which the dispatcher replays elsewhere.
      LOG.warn("stage {} failed on batch {}", self.getStage(), request.getBatchId(), e);
      failHere(
          Status.INTERNAL
              .withDescription(
                  "stage "
                      + self.getStage()
                      + " failed on batch "
                      + request.getBatchId()
                      + ": "
                      + e)
              .withCause(e));
      return;
    }
    if (request.getRouteCount() == 1) {
      answer(StageReply.newBuilder().setOutput(output).addHops(report).build());
    } else {
      forward(output, report);
    }
  }

  /**
   * How this hop sends its output: as the request says, except that the last hop answers with exact
   * floats, because its output is the answer the client gets (and saves few bytes).
   */
  private WireEncoding outputEncoding() {
    WireEncoding asked =
        new WireEncoding(request.getForwardCompression(), request.getForwardFloatEncoding());
    return request.getRouteCount() == 1 ? asked.exact() : asked;
  }

  private void forward(WireTensor output, HopReport report) {
    Hop next = request.getRoute(1);
    StageRequest onward =
        request.toBuilder()
            .clearRoute()
            .addAllRoute(request.getRouteList().subList(1, request.getRouteCount()))
            .setInput(output)
            .build();
    var stub = peers.stub(next.getAddress());
    // The caller's deadline carries over by itself; bound calls that came without one.
    Deadline deadline = Context.current().getDeadline();
    if (deadline == null) {
      stub = stub.withDeadlineAfter(defaultHopTimeoutMillis, TimeUnit.MILLISECONDS);
    }
    try {
      stub.process(onward, relayTo(next, report));
    } catch (RuntimeException e) {
      // A call that never started must still free the output and answer upstream.
      nextHopFailed(next, e);
    }
  }

  private StreamObserver<StageReply> relayTo(Hop next, HopReport report) {
    return new StreamObserver<>() {
      private StageReply reply;

      @Override
      public void onNext(StageReply value) {
        reply = value;
      }

      @Override
      public void onError(Throwable error) {
        nextHopFailed(next, error);
      }

      @Override
      public void onCompleted() {
        answer(
            reply.toBuilder().clearHops().addHops(report).addAllHops(reply.getHopsList()).build());
      }
    };
  }

  private void nextHopFailed(Hop next, Throwable error) {
    Status status = Status.fromThrowable(error);
    String failed = WorkerTrailers.failedWorker(error).orElse(next.getWorkerId());
    if (response.isCancelled()) {
      finish();
      return;
    }
    LOG.debug(
        "batch {}: hop to worker {} failed: {}", request.getBatchId(), next.getWorkerId(), status);
    if (isVerdict(status, error)) {
      metrics.failed(status.getCode().name());
      respondError(status.withCause(error), failed);
      return;
    }
    metrics.failed("UNAVAILABLE");
    respondError(
        Status.UNAVAILABLE
            .withDescription(
                "stage "
                    + next.getStage()
                    + " (worker "
                    + next.getWorkerId()
                    + " at "
                    + next.getAddress()
                    + ") failed for batch "
                    + request.getBatchId()
                    + "; failed worker "
                    + failed
                    + ": "
                    + status.getCode()
                    + (status.getDescription() == null ? "" : " " + status.getDescription()))
            .withCause(error),
        failed);
  }

  /**
   * A later worker's own verdict on the batch, relayed as it is so that the dispatcher sees what
   * failed whichever hop it was: the input rejected (the input's fault), or the worker's own
   * INTERNAL error (a bug, not a lost connection). Everything else reads as a failed hop.
   */
  private static boolean isVerdict(Status status, Throwable error) {
    return status.getCode() == Status.Code.INVALID_ARGUMENT
        || (status.getCode() == Status.Code.INTERNAL
            && WorkerTrailers.failedWorker(error).isPresent());
  }

  private void failHere(Status status) {
    metrics.failed(status.getCode().name());
    respondError(status, lifecycle.workerId());
  }

  private void respondError(Status status, String failedWorker) {
    release();
    if (answered.compareAndSet(false, true)) {
      lifecycle.batchEnded();
      if (!response.isCancelled()) {
        response.onError(status.asRuntimeException(WorkerTrailers.naming(failedWorker)));
      }
    }
  }

  private void answer(StageReply reply) {
    if (answered.compareAndSet(false, true)) {
      lifecycle.batchEnded();
      if (!response.isCancelled()) {
        // Serialises the reply before returning, so the output may go right after.
        response.onNext(reply);
        response.onCompleted();
      }
    }
    release();
  }

  /** Ends a call whose caller has gone: nothing to answer, only the books to balance. */
  private void finish() {
    release();
    if (answered.compareAndSet(false, true)) {
      lifecycle.batchEnded();
    }
  }

  /** Frees the slice's output; called once the call to the next hop has ended, or never began. */
  private void release() {
    SliceOutput output = held;
    if (output != null) {
      output.close();
    }
  }
}
