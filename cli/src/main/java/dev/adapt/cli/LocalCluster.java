package dev.adapt.cli;

import dev.adapt.core.concurrent.NamedThreads;
import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.EtcdMembership;
import dev.adapt.core.membership.EtcdSettings;
import dev.adapt.core.membership.Membership;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.StageAssigner;
import dev.adapt.core.membership.StageLayout;
import dev.adapt.core.membership.StaticMembership;
import dev.adapt.core.membership.Subscription;
import dev.adapt.core.security.PeerTls;
import dev.adapt.dispatcher.Dispatcher;
import dev.adapt.dispatcher.DispatcherSettings;
import dev.adapt.dispatcher.plans.ServedPipeline;
import io.grpc.ClientInterceptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole pipeline on this machine: the dispatcher in this process and one JVM per worker on
 * loopback. It assigns stages with the shared {@link StageAssigner} (so a dead worker's stage goes
 * to a standby), restarts workers that die, and stops everything on {@link #close()}.
 */
public final class LocalCluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);

  private final ServedPipeline pipeline;
  private final StageLayout layout;
  private final WorkerProcess.Spec workerSpec;
  private final Function<String, WorkerProcess.Host> hosts;
  private final Membership membership;
  private final Dispatcher dispatcher;
  private final Map<String, WorkerProcess> workers = new ConcurrentHashMap<>();
  private final ScheduledExecutorService control =
      Executors.newSingleThreadScheduledExecutor(NamedThreads.daemon("local-launcher"));
  private final Subscription assigning;
  private volatile boolean closing;

  private LocalCluster(
      ServedPipeline pipeline,
      StageLayout layout,
      WorkerProcess.Spec workerSpec,
      Function<String, WorkerProcess.Host> hosts,
      DispatcherSettings settings,
      List<ClientInterceptor> workerCalls) {
    this.pipeline = pipeline;
    this.layout = layout;
    this.workerSpec = workerSpec;
    this.hosts = hosts;
    // With --tls the launcher is one more peer of the pipeline: its checks of the workers, its
    // calls to them and to an https:// etcd present the dispatcher's certificate.
    Optional<PeerTls> tls =
        Optional.ofNullable(workerSpec.tls()).map(local -> local.peer("dispatcher"));
    this.membership = membership(workerSpec, tls);
    this.dispatcher =
        new Dispatcher(
            pipeline,
            membership,
            tls.isPresent() ? settings.withPeerTls(tls) : settings,
            workerCalls);
    // Assign on the launcher's own thread: membership listeners must return quickly.
    this.assigning =
        membership.subscribe(
            snapshot -> {
              if (!closing) {
                control.execute(this::assign);
              }
            });
  }

  private static Membership membership(WorkerProcess.Spec spec, Optional<PeerTls> tls) {
    if (spec.etcd() == null) {
      return tls.map(
              identity ->
                  (Membership)
                      new StaticMembership(
                          spec.pipeline(),
                          StaticMembership.DEFAULT_CHECK_INTERVAL,
                          StaticMembership.DEFAULT_CHECK_TIMEOUT,
                          identity.channelCredentials()))
          .orElseGet(() -> new StaticMembership(spec.pipeline()));
    }
    EtcdSettings etcd = EtcdSettings.of(spec.etcd());
    return EtcdMembership.connect(tls.map(etcd::withTls).orElse(etcd), spec.pipeline());
  }

  /**
   * Starts the dispatcher and {@code stages × replicas + standbys} worker processes on loopback.
   */
  public static LocalCluster start(
      ServedPipeline pipeline,
      int replicas,
      int standbys,
      WorkerProcess.Spec workerSpec,
      DispatcherSettings settings) {
    return start(pipeline, replicas, standbys, workerSpec, settings, List.of());
  }

  /**
   * Like {@link #start(ServedPipeline, int, int, WorkerProcess.Spec, DispatcherSettings)}, with the
   * dispatcher's calls to workers going through {@code workerCalls}.
   */
  public static LocalCluster start(
      ServedPipeline pipeline,
      int replicas,
      int standbys,
      WorkerProcess.Spec workerSpec,
      DispatcherSettings settings,
      List<ClientInterceptor> workerCalls) {
    return start(
        pipeline,
        replicas,
        standbys,
        workerSpec,
        id -> WorkerProcess.Host.LOOPBACK,
        settings,
        workerCalls);
  }

  /**
   * Like {@link #start(ServedPipeline, int, int, WorkerProcess.Spec, DispatcherSettings)}, each
   * worker (by id, see {@link #workerId}) on the host {@code hosts} names; a restarted worker runs
   * on its predecessor's host.
   */
  static LocalCluster start(
      ServedPipeline pipeline,
      int replicas,
      int standbys,
      WorkerProcess.Spec workerSpec,
      Function<String, WorkerProcess.Host> hosts,
      DispatcherSettings settings,
      List<ClientInterceptor> workerCalls) {
    StageLayout layout = StageLayout.of(pipeline.stageCount(), replicas, standbys);
    LocalCluster cluster =
        new LocalCluster(pipeline, layout, workerSpec, hosts, settings, workerCalls);
    try {
      cluster.dispatcher.start();
      int count = pipeline.stageCount() * replicas + standbys;
      for (int i = 0; i < count; i++) {
        cluster.launch(workerId(i));
      }
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** The id of the {@code index}-th worker a cluster starts (0-based). */
  static String workerId(int index) {
    return "worker-" + index;
  }

  private void launch(String workerId) {
    if (closing) {
      return;
    }
    WorkerProcess worker = WorkerProcess.start(workerId, workerSpec, hosts.apply(workerId));
    workers.put(workerId, worker);
    log.info("started {} (pid {}) on {}", workerId, worker.pid(), worker.address());
    if (membership instanceof StaticMembership local) {
      local.addWorker(workerId, worker.address(), worker.process.toHandle());
    }
    worker
        .process
        .onExit()
        .thenRun(
            () -> {
              if (!closing && workers.get(workerId) == worker) {
                log.warn(
                    "{} (pid {}) exited with {}; restarting it",
                    workerId,
                    worker.pid(),
                    worker.process.exitValue());
                control.schedule(() -> launch(workerId), 1, TimeUnit.SECONDS);
              }
            });
  }

  private void assign() {
    if (closing) {
      return;
    }
    MembershipSnapshot snapshot = membership.snapshot();
    if (!snapshot.synced()) {
      return;
    }
    Map<String, Assignment> desired =
        StageAssigner.assign(
            layout,
            pipeline.plan().generation(),
            snapshot.workers().values(),
            snapshot.assignments());
    try {
      membership.applyAssignments(desired);
    } catch (RuntimeException e) {
      log.warn("cannot write assignments yet: {}", e.getMessage());
      control.schedule(this::assign, 500, TimeUnit.MILLISECONDS);
    }
  }

  /** Waits until every stage has a ready replica. */
  public void awaitReady(Duration timeout) throws InterruptedException, TimeoutException {
    long until = System.nanoTime() + timeout.toNanos();
    while (!dispatcher.ready()) {
      if (System.nanoTime() > until) {
        throw new TimeoutException(
            "the pipeline did not become ready within "
                + timeout
                + "; worker logs are in "
                + workerSpec.logDirectory());
      }
      Thread.sleep(100);
    }
  }

  public java.nio.file.Path workerLogs() {
    return workerSpec.logDirectory();
  }

  /** Removes the worker log directory (after {@link #close()}, when nobody needs the logs). */
  public void deleteWorkerLogs() {
    try (var files = java.nio.file.Files.walk(workerSpec.logDirectory())) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      log.debug("could not remove {}: {}", workerSpec.logDirectory(), e.toString());
    }
  }

  /** The base URL of the dispatcher's OIP HTTP API. */
  public String httpUrl() {
    return (dispatcher.clientTls() ? "https://" : "http://")
        + dispatcher.host()
        + ":"
        + dispatcher.httpPort();
  }

  /** host:port of the dispatcher's OIP gRPC API. */
  public String grpcTarget() {
    return dispatcher.host() + ":" + dispatcher.grpcPort();
  }

  /** Worker JVMs the layout runs (a restarted worker replaces the one that died). */
  public int workerProcesses() {
    return layout.workersWanted();
  }

  public Dispatcher dispatcher() {
    return dispatcher;
  }

  public Membership membership() {
    return membership;
  }

  public ServedPipeline pipeline() {
    return pipeline;
  }

  /** The running worker processes by id. */
  public Map<String, WorkerProcess> workers() {
    return Map.copyOf(workers);
  }

  /** The id of a live worker assigned to {@code stage}, if any. */
  public Optional<String> workerOfStage(int stage) {
    return membership.snapshot().assignments().values().stream()
        .filter(a -> a.stage() == stage && workers.containsKey(a.workerId()))
        .map(Assignment::workerId)
        .findFirst();
  }

  /** Sends SIGKILL to a worker process; the launcher restarts it as a supervisor would. */
  public long kill(String workerId) {
    WorkerProcess worker = workers.get(workerId);
    if (worker == null) {
      throw new IllegalArgumentException("no worker " + workerId);
    }
    log.info("killing {} (pid {})", workerId, worker.pid());
    worker.process.destroyForcibly();
    return worker.pid();
  }

  /**
   * Stops the dispatcher and the membership, then every worker (SIGTERM, SIGKILL after a grace
   * period).
   */
  @Override
  public void close() {
    closing = true;
    assigning.close();
    control.shutdownNow();
    dispatcher.close();
    // Nobody follows the workers any more; stop watching them before they go, so that their
    // orderly exits are not reported as failed checks.
    membership.close();
    List<WorkerProcess> stopping = new ArrayList<>(workers.values());
    stopping.forEach(w -> w.process.destroy());
    for (WorkerProcess worker : stopping) {
      try {
        if (!worker.process.waitFor(5, TimeUnit.SECONDS)) {
          worker.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        worker.process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    if (workerSpec.tls() != null) {
      workerSpec.tls().close();
    }
    log.info("local pipeline stopped");
  }
}
