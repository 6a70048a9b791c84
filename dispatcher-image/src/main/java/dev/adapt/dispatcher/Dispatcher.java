package dev.adapt.dispatcher;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.Membership;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.Subscription;
import dev.adapt.core.membership.WorkerRecord;
import dev.adapt.core.membership.WorkerState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane's entry: publishes the plan, gives assigned workers their slices, keeps the ready
 * replicas of each stage from the membership, and serves clients through batching and routing.
 */
public final class Dispatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private final ServedPipeline pipeline;
  private final Membership membership;
  private final DispatcherSettings settings;
  private final DispatcherMetrics metrics = new DispatcherMetrics();
  private final ReplicaTable replicas = new ReplicaTable();
  private final WorkerChannels channels = new WorkerChannels();
  private final SlicePusher pusher;
  private final PipelineRouter router;
  private final Batcher batcher;
  private final ClientServers servers;
  private Subscription subscription;
  private volatile boolean wasReady;

  public Dispatcher(ServedPipeline pipeline, Membership membership, DispatcherSettings settings) {
    this.pipeline = pipeline;
    this.membership = membership;
    this.settings = settings;
    this.pusher =
        new SlicePusher(
            channels,
            membership.pipeline(),
            settings.sliceChunkBytes(),
            settings.slicePushAttempts(),
            settings.slicePushTimeout(),
            settings.chunkTamper());
    this.router = new PipelineRouter(replicas, channels, settings.router(), metrics);
    this.batcher = new Batcher(router, settings.batching(), metrics);
    this.servers =
        new ClientServers(
            new BatchingService(pipeline.model(), batcher, this::ready),
            metrics,
            settings.host(),
            settings.httpPort(),
            settings.grpcPort(),
            settings.maxBodyBytes());
  }

  /** Publishes the plan, starts following the membership and opens the client API. */
  public Dispatcher start() {
    membership.publishPlan(pipeline.plan());
    log.info(
        "serving model {} as pipeline {} in {} stages, plan generation {}",
        pipeline.model().name(),
        membership.pipeline(),
        pipeline.stageCount(),
        pipeline.plan().generation());
    servers.start();
    subscription = membership.subscribe(this::onMembership);
    return this;
  }

  /** The address clients reach the API on (loopback when bound to all addresses). */
  public String host() {
    String host = settings.host();
    return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
  }

  public int httpPort() {
    return servers.httpPort();
  }

  public int grpcPort() {
    return servers.grpcPort();
  }

  public DispatcherMetrics metrics() {
    return metrics;
  }

  public ServedPipeline pipeline() {
    return pipeline;
  }

  /** Transfers of slice bytes started so far (offers the worker answered "held" not counted). */
  public int sliceTransfers() {
    return pusher.transfers();
  }

  /** Transfers a worker refused because the bytes did not match their hash. */
  public int refusedSliceTransfers() {
    return pusher.refusedTransfers();
  }

  /** Ready when the plan is resolved and every stage has a ready replica. */
  public boolean ready() {
    return replicas.ready();
  }

  /** The ready replicas of each stage, in stage order. */
  public List<List<Replica>> replicas() {
    return replicas.replicas();
  }

  private void onMembership(MembershipSnapshot snapshot) {
    pushSlices(snapshot);
    refreshReplicas(snapshot);
  }

  private void pushSlices(MembershipSnapshot snapshot) {
    long generation = pipeline.plan().generation();
    for (Assignment assignment : snapshot.assignments().values()) {
      WorkerRecord worker = snapshot.workers().get(assignment.workerId());
      if (worker == null
          || worker.address() == null
          || !(worker.state() == WorkerState.READY || worker.state() == WorkerState.LOADING)) {
        continue;
      }
      List<StageSlice> wanted = new ArrayList<>();
      if (assignment.stage() >= 0 && assignment.stage() < pipeline.stageCount()) {
        wanted.add(pipeline.slice(assignment.stage()));
      } else if (assignment.isStandby() && settings.preloadStandbys()) {
        wanted.addAll(pipeline.slices());
      }
      for (StageSlice slice : wanted) {
        if (worker.holds(slice.sha256())) {
          continue;
        }
        pusher
            .ensure(worker.workerId(), worker.address(), worker.startedAt(), slice, generation)
            .thenRun(() -> refreshReplicas(membership.snapshot()));
      }
    }
    pusher.forgetAllBut(snapshot.workers().keySet());
  }

  private synchronized void refreshReplicas(MembershipSnapshot snapshot) {
    List<List<Replica>> byStage = new ArrayList<>();
    Set<Replica> live = new HashSet<>();
    for (int stage = 0; stage < pipeline.stageCount(); stage++) {
      String sha = pipeline.slice(stage).sha256();
      List<Replica> ready = new ArrayList<>();
      for (WorkerRecord worker : snapshot.workers().values()) {
        Assignment assignment = snapshot.assignments().get(worker.workerId());
        if (worker.state() == WorkerState.READY
            && worker.address() != null
            && assignment != null
            && assignment.stage() == stage
            && worker.holds(sha)) {
          ready.add(
              new Replica(worker.workerId(), worker.address(), stage, sha, worker.startedAt()));
        }
      }
      byStage.add(ready);
    }
    for (WorkerRecord worker : snapshot.workers().values()) {
      if (worker.address() != null) {
        live.add(new Replica(worker.workerId(), worker.address(), -1, "", worker.startedAt()));
      }
    }
    replicas.update(byStage);
    channels.retainOnly(live);
    boolean ready = replicas.ready();
    servers.serving(ready);
    if (ready != wasReady) {
      wasReady = ready;
      log.info(
          ready
              ? "pipeline ready: every stage has a ready replica ({})"
              : "pipeline not ready: some stage has no ready replica ({})",
          describe(byStage));
    }
  }

  private static String describe(List<List<Replica>> byStage) {
    List<String> parts = new ArrayList<>();
    for (int stage = 0; stage < byStage.size(); stage++) {
      parts.add(
          "stage " + stage + ": " + byStage.get(stage).stream().map(Replica::workerId).toList());
    }
    return String.join(", ", parts);
  }

  /**
   * Ordered shutdown: stop being ready, stop admitting and let batches in flight finish, then close
   * the client API, the routing, the slice transfers and the worker channels.
   */
  @Override
  public void close() {
    servers.serving(false);
    batcher.close(Duration.ofSeconds(5));
    servers.close();
    if (subscription != null) {
      subscription.close();
    }
    router.close();
    pusher.close();
    channels.close();
    log.info("dispatcher stopped");
  }
}
