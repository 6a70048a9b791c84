package dev.adapt.dispatcher;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.Membership;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.ServingRecord;
import dev.adapt.core.membership.Subscription;
import dev.adapt.core.membership.WorkerRecord;
import dev.adapt.core.membership.WorkerState;
import dev.adapt.dispatcher.api.ClientServers;
import dev.adapt.dispatcher.batching.Batcher;
import dev.adapt.dispatcher.metrics.DispatcherMetrics;
import dev.adapt.dispatcher.planning.PlanKeeper;
import dev.adapt.dispatcher.plans.PlanGeneration;
import dev.adapt.dispatcher.plans.Replica;
import dev.adapt.dispatcher.plans.ServedPipeline;
import dev.adapt.dispatcher.plans.ServedPlans;
import dev.adapt.dispatcher.plans.StageSlice;
import dev.adapt.dispatcher.routing.PipelineRouter;
import dev.adapt.dispatcher.routing.WorkerChannels;
import dev.adapt.dispatcher.slices.SlicePusher;
import io.grpc.ClientInterceptor;
import io.grpc.InsecureChannelCredentials;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane's entry: publishes the plan, gives assigned workers their slices, keeps the ready
 * replicas of each stage from the membership, and serves clients through batching and routing.
 *
 * <p>A new plan ({@link #replan}) is published and rolled onto while the current one keeps serving:
 * workers assigned to the new plan's generation get its slices, and once every stage has a ready
 * replica new batches take the new plan ({@link ServedPlans}). The plan in service is published
 * under {@code serving} ({@link PlanKeeper}): the operator reads it rather than deciding for
 * itself.
 */
public final class Dispatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private final ServedPlans plans;
  private final Membership membership;
  private final DispatcherSettings settings;
  private final DispatcherMetrics metrics = new DispatcherMetrics();
  private final WorkerChannels channels;
  private final SlicePusher pusher;
  private final PipelineRouter router;
  private final Batcher batcher;
  private final ClientServers servers;
  private final PlanKeeper planKeeper;
  private Subscription subscription;
  private volatile boolean wasReady;

  public Dispatcher(ServedPipeline pipeline, Membership membership, DispatcherSettings settings) {
    this(pipeline, membership, settings, List.of());
  }

  /**
   * A dispatcher whose every call to a worker (slice transfers and activations) goes through {@code
   * workerCalls}: for tracing, or for tests that inject faults on the wire.
   */
  public Dispatcher(
      ServedPipeline pipeline,
      Membership membership,
      DispatcherSettings settings,
      List<ClientInterceptor> workerCalls) {
    this.plans = new ServedPlans(pipeline, settings.batching().maxInFlightBatches());
    this.membership = membership;
    this.settings = settings;
    this.channels =
        settings
            .peerTls()
            .map(tls -> new WorkerChannels(tls.channelCredentials(), workerCalls))
            .orElseGet(() -> new WorkerChannels(InsecureChannelCredentials.create(), workerCalls));
    this.planKeeper = new PlanKeeper(membership, plans::inService);
    this.pusher =
        new SlicePusher(
            channels,
            membership.pipeline(),
            settings.sliceChunkBytes(),
            settings.slicePushAttempts(),
            settings.slicePushTimeout());
    this.router = new PipelineRouter(plans, channels, settings.router(), metrics);
    this.batcher = new Batcher(router, settings.batching(), metrics);
    metrics.planGeneration(() -> plans.current().generation());
    this.servers =
        new ClientServers(
            new PlanService(plans, batcher),
            metrics,
            settings.host(),
            settings.httpPort(),
            settings.grpcPort(),
            settings.maxBodyBytes(),
            settings.clientSecurity());
  }

  /** Publishes the plan, starts following the membership and opens the client API. */
  public Dispatcher start() {
    ServedPipeline pipeline = pipeline();
    planKeeper.publish(pipeline.plan());
    planKeeper.start();
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

  /**
   * Publishes a new plan and rolls onto it: workers assigned to its generation get its slices, and
   * once every stage has a ready replica it takes new batches, with {@code maxInFlightBatches}
   * batches in flight at once. Until then the current plan serves. Requests admitted under the old
   * plan are answered by the new one when both compute the same model, else by the old one.
   */
  public void replan(ServedPipeline next, int maxInFlightBatches) {
    plans.offer(next, maxInFlightBatches);
    planKeeper.publish(next.plan());
    log.info(
        "published plan generation {} ({} stages of model {}); it takes over when every stage has a"
            + " ready worker",
        next.plan().generation(),
        next.stageCount(),
        next.model().name());
    onMembership(membership.snapshot());
  }

  /**
   * Publishes a plan this dispatcher could not resolve (e.g. a split point the model lacks): the
   * operator reports it while the current plan keeps serving.
   */
  public void publishRejected(PlanRecord rejected) {
    plans.published(rejected.generation());
    planKeeper.publish(rejected);
  }

  /** The address clients reach the API on (loopback when bound to all addresses). */
  public String host() {
    String host = settings.host();
    return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
  }

  /** Whether the client API is served over TLS (REST as HTTPS). */
  public boolean clientTls() {
    return settings.clientSecurity().tls();
  }

  /** Whether client API requests need a bearer token. */
  public boolean clientTokensRequired() {
    return settings.clientSecurity().tokensRequired();
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

  /** The current plan with its slices. */
  public ServedPipeline pipeline() {
    return plans.current().pipeline().orElseThrow();
  }

  /** The generation of the plan that takes new requests. */
  public long planGeneration() {
    return plans.current().generation();
  }

  /** The plan in service as this dispatcher publishes it; empty until the first plan served. */
  public Optional<ServingRecord> inService() {
    return plans.inService();
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
    return plans.ready();
  }

  /** The ready replicas of each stage of the current plan, in stage order. */
  public List<List<Replica>> replicas() {
    return plans.current().replicas().replicas();
  }

  private synchronized void onMembership(MembershipSnapshot snapshot) {
    pushSlices(snapshot);
    refreshReplicas(snapshot);
  }

  /** Gives each worker assigned to the current or a pending plan the slice of its stage. */
  private void pushSlices(MembershipSnapshot snapshot) {
    for (PlanGeneration plan : plans.pushable()) {
      Optional<ServedPipeline> pipeline = plan.pipeline();
      if (pipeline.isEmpty()) {
        continue;
      }
      for (Assignment assignment : snapshot.assignments().values()) {
        if (assignment.planGeneration() == plan.generation()) {
          push(snapshot, assignment, pipeline.get());
        }
      }
    }
    pusher.forgetAllBut(snapshot.workers().keySet());
  }

  private void push(MembershipSnapshot snapshot, Assignment assignment, ServedPipeline pipeline) {
    WorkerRecord worker = snapshot.workers().get(assignment.workerId());
    if (worker == null
        || worker.address() == null
        || !(worker.state() == WorkerState.READY || worker.state() == WorkerState.LOADING)) {
      return;
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
          .ensure(
              worker.workerId(),
              worker.address(),
              worker.startedAt(),
              slice,
              pipeline.plan().generation())
          .thenRun(() -> refreshReplicas(membership.snapshot()));
    }
  }

  private synchronized void refreshReplicas(MembershipSnapshot snapshot) {
    plans
        .refresh(snapshot)
        .ifPresent(
            change -> {
              batcher.maxInFlight(change.to().maxInFlightBatches());
              log.info(
                  "switched from {} to {}; {} requests admitted under the old plan are still"
                      + " unanswered",
                  change.from(),
                  change.to(),
                  change.unanswered());
            });
    planKeeper.servingChanged();
    List<List<Replica>> byStage = replicas();
    Set<Replica> live = new HashSet<>();
    for (WorkerRecord worker : snapshot.workers().values()) {
      if (worker.address() != null) {
        live.add(new Replica(worker.workerId(), worker.address(), -1, "", worker.startedAt()));
      }
    }
    channels.retainOnly(live);
    boolean ready = plans.ready();
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
    planKeeper.close();
    router.close();
    pusher.close();
    channels.close();
    log.info("dispatcher stopped");
  }
}
