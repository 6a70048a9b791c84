package dev.adapt.dispatcher.routing;

import dev.adapt.core.concurrent.NamedThreads;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.core.wire.TensorWireCodec;
import dev.adapt.core.wire.WorkerTrailers;
import dev.adapt.dispatcher.batching.Batch;
import dev.adapt.dispatcher.batching.BatchRunner;
import dev.adapt.dispatcher.metrics.DispatcherMetrics;
import dev.adapt.dispatcher.plans.PlanGeneration;
import dev.adapt.dispatcher.plans.Replica;
import dev.adapt.dispatcher.plans.ReplicaTable;
import dev.adapt.dispatcher.plans.ServedPlans;
import dev.adapt.dispatcher.requests.InferenceException;
import dev.adapt.proto.v1.Compression;
import dev.adapt.proto.v1.Hop;
import dev.adapt.proto.v1.HopReport;
import dev.adapt.proto.v1.StageReply;
import dev.adapt.proto.v1.StageRequest;
import dev.adapt.proto.v1.WireTensor;
import dev.adapt.proto.v1.WorkerGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends batches through the workers, stage 0 first; each worker forwards to the next hop of the
 * route and the reply carries the last stage's output. When any hop fails the batch is replayed on
 * a new route that avoids the failed worker; when a stage has no replica the batch waits for one,
 * bounded by its deadline. Which plan generation each attempt takes is {@link ServedPlans}' choice.
 */
public final class PipelineRouter implements BatchRunner, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PipelineRouter.class);

  private final ServedPlans plans;
  private final WorkerChannels channels;
  private final RouterConfig config;
  private final DispatcherMetrics metrics;
  private final ScheduledExecutorService timers =
      Executors.newSingleThreadScheduledExecutor(NamedThreads.daemon("router-retry"));

  public PipelineRouter(
      ServedPlans plans, WorkerChannels channels, RouterConfig config, DispatcherMetrics metrics) {
    this.plans = plans;
    this.channels = channels;
    this.config = config;
    this.metrics = metrics;
  }

  @Override
  public CompletableFuture<HostTensor> run(Batch batch) {
    CompletableFuture<HostTensor> result = new CompletableFuture<>();
    WireTensor input = TensorWireCodec.encode(batch.input(), Compression.COMPRESSION_NONE);
    new Flight(batch, input, result).attempt();
    return result;
  }

  /** One batch on its way, across attempts. */
  private final class Flight {
    private final Batch batch;
    private final WireTensor input;
    private final CompletableFuture<HostTensor> result;
    private final Set<String> avoid = new HashSet<>();
    private PlanGeneration plan;
    private int attempts;
    // The latest failed attempt, so that a batch that runs out of attempts says what it ran into.
    private Status lastFailure;

    Flight(Batch batch, WireTensor input, CompletableFuture<HostTensor> result) {
      this.batch = batch;
      this.input = input;
      this.result = result;
    }

    void attempt() {
      long remaining = batch.latestDeadlineNanos() - System.nanoTime();
      if (batch.abandoned() || remaining <= 0) {
        result.completeExceptionally(
            new InferenceException(
                InferenceException.Kind.DEADLINE,
                "deadline passed before batch "
                    + batch.id()
                    + " got through the pipeline"
                    + lastFailureNote()));
        return;
      }
      ServedPlans.Choice choice = plans.route(batch.lane(), plan, avoid);
      if (choice instanceof ServedPlans.Fail fail) {
        result.completeExceptionally(
            new InferenceException(InferenceException.Kind.UNAVAILABLE, fail.reason()));
        return;
      }
      if (!(choice instanceof ServedPlans.Go go)) {
        // No replica for some stage: wait for membership to change or a quarantine to end. The
        // shared change signal is only observed, never completed here.
        CompletableFuture<Void> wake = new CompletableFuture<>();
        plans.nextChange().thenRun(() -> wake.complete(null));
        timers.schedule(
            () -> wake.complete(null),
            Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(250)),
            TimeUnit.NANOSECONDS);
        wake.thenRunAsync(this::attempt, timers);
        return;
      }
      if (attempts >= config.maxAttempts()) {
        result.completeExceptionally(
            new InferenceException(
                exhaustedKind(),
                "batch " + batch.id() + " failed on " + attempts + " routes" + lastFailureNote()));
        return;
      }
      if (attempts > 0) {
        metrics.replay();
      }
      attempts++;
      plan = go.plan();
      send(
          go.plan().replicas(), go.route(), Math.min(remaining, config.attemptTimeout().toNanos()));
    }

    private void send(ReplicaTable replicas, List<Replica> route, long timeoutNanos) {
      StageRequest.Builder request =
          StageRequest.newBuilder()
              .setBatchId(batch.id())
              .setAttempt(attempts)
              .setInput(input)
              .setForwardCompression(config.encoding().compression())
              .setForwardFloatEncoding(config.encoding().floats());
      for (Replica hop : route) {
        request.addRoute(
            Hop.newBuilder()
                .setWorkerId(hop.workerId())
                .setAddress(hop.address())
                .setStage(hop.stage())
                .setSliceSha256(hop.sliceSha256()));
      }
      replicas.acquire(route);
      WorkerGrpc.newStub(channels.channel(route.get(0)))
          .withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS)
          .process(
              request.build(),
              new StreamObserver<>() {
                private StageReply reply;

                @Override
                public void onNext(StageReply value) {
                  reply = value;
                }

                @Override
                public void onError(Throwable error) {
                  replicas.release(route);
                  failed(replicas, route, error);
                }

                @Override
                public void onCompleted() {
                  replicas.release(route);
                  succeeded(reply);
                }
              });
    }

    private void succeeded(StageReply reply) {
      HostTensor output;
      try {
        output = TensorWireCodec.decode(reply.getOutput());
      } catch (RuntimeException e) {
        result.completeExceptionally(
            new InferenceException(
                InferenceException.Kind.INTERNAL, "unreadable pipeline output: " + e.getMessage()));
        return;
      }
      for (HopReport hop : reply.getHopsList()) {
        metrics.hop(
            hop.getStage(),
            hop.getComputeMillis(),
            hop.getOutputRawBytes(),
            hop.getOutputWireBytes());
      }
      result.complete(output);
    }

    private void failed(ReplicaTable replicas, List<Replica> route, Throwable error) {
      Status status = Status.fromThrowable(error);
      if (status.getCode() == Status.Code.INVALID_ARGUMENT) {
        // Workers answer INVALID_ARGUMENT only when a slice rejected the input: the client's fault,
        // and the same on every route, so not replayed.
        result.completeExceptionally(
            InferenceException.invalid("the model rejected the input: " + status.getDescription()));
        return;
      }
      // Anything else, a worker's INTERNAL error included, is the system's: computing a batch has
      // no side effects, so it is replayed, and a batch that never gets through is a 5xx.
      lastFailure = status;
      String named = WorkerTrailers.failedWorker(error).orElse(null);
      if (named != null && !named.isEmpty()) {
        blame(replicas, named, status);
      } else if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
        // Somewhere on the route a hop hung; prefer other workers for this batch.
        route.forEach(r -> avoid.add(r.workerId()));
        log.warn("batch {} timed out on route {}; replaying", batch.id(), ids(route));
      } else {
        blame(replicas, route.get(0).workerId(), status);
      }
      long backoffMillis = Math.min(500, 10L << Math.min(attempts - 1, 6));
      timers.schedule(this::attempt, backoffMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * INTERNAL when the last route failed with a worker's own error (a bug, not a lost worker),
     * else UNAVAILABLE.
     */
    private InferenceException.Kind exhaustedKind() {
      return lastFailure != null && lastFailure.getCode() == Status.Code.INTERNAL
          ? InferenceException.Kind.INTERNAL
          : InferenceException.Kind.UNAVAILABLE;
    }

    private String lastFailureNote() {
      if (lastFailure == null) {
        return "";
      }
      return "; last failure: "
          + lastFailure.getCode()
          + (lastFailure.getDescription() == null ? "" : " " + lastFailure.getDescription());
    }

    private void blame(ReplicaTable replicas, String workerId, Status status) {
      avoid.add(workerId);
      if (replicas.quarantine(workerId, config.quarantine().toNanos())) {
        metrics.failover();
      }
      log.warn(
          "worker {} failed batch {} ({}: {}); replaying on another route",
          workerId,
          batch.id(),
          status.getCode(),
          status.getDescription());
    }
  }

  private static List<String> ids(List<Replica> route) {
    return route.stream().map(Replica::workerId).toList();
  }

  @Override
  public void close() {
    timers.shutdownNow();
  }
}
