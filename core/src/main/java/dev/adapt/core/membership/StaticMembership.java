package dev.adapt.core.membership;

import dev.adapt.core.concurrent.NamedThreads;
import dev.adapt.proto.v1.StatusRequest;
import dev.adapt.proto.v1.WorkerGrpc;
import dev.adapt.proto.v1.WorkerStatus;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership of the processes a local launcher started, without etcd. A worker is live while its
 * process runs and it answers the {@code Status} call, polled every {@code checkInterval}; the
 * moment the process exits or a check fails it is gone (a later successful check brings it back).
 * Assignments, plan and spec are kept in memory.
 *
 * <p>{@link #register} serves workers running inside this process: they are live until their
 * registration is closed.
 */
public final class StaticMembership implements Membership {
  private static final Logger LOG = LoggerFactory.getLogger(StaticMembership.class);
  public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofMillis(250);
  public static final Duration DEFAULT_CHECK_TIMEOUT = Duration.ofSeconds(2);

  private final String pipeline;
  private final Duration checkInterval;
  private final Duration checkTimeout;
  private final ChannelCredentials credentials;
  private final MembershipState state;
  private final ScheduledExecutorService prober;
  private final Map<String, Probe> probes = new ConcurrentHashMap<>();
  private volatile boolean closed;

  public StaticMembership(String pipeline) {
    this(pipeline, DEFAULT_CHECK_INTERVAL, DEFAULT_CHECK_TIMEOUT);
  }

  public StaticMembership(String pipeline, Duration checkInterval, Duration checkTimeout) {
    this(pipeline, checkInterval, checkTimeout, InsecureChannelCredentials.create());
  }

  /**
   * Checks the workers with {@code credentials}: the launcher's client certificate when the workers
   * require mutual TLS.
   */
  public StaticMembership(
      String pipeline,
      Duration checkInterval,
      Duration checkTimeout,
      ChannelCredentials credentials) {
    MembershipKeys.requireValidId(pipeline);
    this.pipeline = pipeline;
    this.checkInterval = checkInterval;
    this.checkTimeout = checkTimeout;
    this.credentials = credentials;
    this.state = new MembershipState(pipeline);
    this.prober =
        Executors.newSingleThreadScheduledExecutor(
            NamedThreads.daemon("static-membership-" + pipeline));
    // The first snapshot is complete: there is nothing to read.
    state.reset(0, Map.of(), Map.of(), null, null, null, null);
    prober.scheduleWithFixedDelay(
        this::probeAll, 0, checkInterval.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public String pipeline() {
    return pipeline;
  }

  /**
   * Follows a worker process the launcher started: live while {@code process} runs and the worker
   * at {@code address} (host:port) answers its checks as {@code workerId}.
   */
  public void addWorker(String workerId, String address, ProcessHandle process) {
    requireOpen();
    MembershipKeys.requireValidId(workerId);
    Probe probe = new Probe(workerId, address, process);
    Probe previous = probes.put(workerId, probe);
    if (previous != null) {
      previous.stop();
    }
    if (process != null) {
      process
          .onExit()
          .thenRun(
              () -> {
                if (probes.remove(workerId, probe)) {
                  LOG.info("worker {} exited (pid {})", workerId, process.pid());
                  probe.stop();
                  dropWorker(workerId);
                }
              });
    }
  }

  /** Stops following a worker; it is gone at once. */
  public void removeWorker(String workerId) {
    Probe probe = probes.remove(workerId);
    if (probe != null) {
      probe.stop();
    }
    dropWorker(workerId);
  }

  @Override
  public WorkerRegistration register(WorkerRecord self) {
    requireOpen();
    state.applyNext(changes -> changes.putWorker(self));
    return new WorkerRegistration() {
      private volatile WorkerRecord record = self;
      private final AtomicBoolean open = new AtomicBoolean(true);

      @Override
      public WorkerRecord current() {
        return record;
      }

      @Override
      public void update(WorkerRecord next) {
        if (open.get()) {
          record = next;
          state.applyNext(changes -> changes.putWorker(next));
        }
      }

      @Override
      public void close() {
        if (open.compareAndSet(true, false)) {
          state.applyNext(changes -> changes.removeWorker(self.workerId()));
        }
      }
    };
  }

  @Override
  public MembershipSnapshot snapshot() {
    return state.snapshot();
  }

  @Override
  public Subscription subscribe(Consumer<MembershipSnapshot> listener) {
    requireOpen();
    return state.subscribe(listener);
  }

  @Override
  public void putAssignments(Collection<Assignment> assignments) {
    requireOpen();
    state.applyNext(changes -> assignments.forEach(changes::putAssignment));
  }

  @Override
  public void deleteAssignments(Collection<String> workerIds) {
    requireOpen();
    state.applyNext(changes -> workerIds.forEach(changes::removeAssignment));
  }

  @Override
  public void publishPlan(PlanRecord plan) {
    requireOpen();
    state.applyNext(changes -> changes.plan(plan));
  }

  /** Like etcd's compare-and-put: an older generation never replaces a newer one. */
  @Override
  public synchronized boolean publishServing(ServingRecord serving) {
    requireOpen();
    boolean newer =
        state.snapshot().serving().map(s -> s.generation() < serving.generation()).orElse(true);
    if (newer) {
      state.applyNext(changes -> changes.serving(serving));
    }
    return newer;
  }

  @Override
  public void putSpec(SpecRecord spec) {
    requireOpen();
    state.applyNext(changes -> changes.spec(spec));
  }

  @Override
  public void publishLoadFailure(LoadFailureRecord failure) {
    requireOpen();
    state.applyNext(changes -> changes.loadFailure(failure));
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    prober.shutdownNow();
    probes.values().forEach(Probe::stop);
    probes.clear();
    state.close();
  }

  private void probeAll() {
    probes.values().forEach(Probe::check);
  }

  private void dropWorker(String workerId) {
    state.applyNext(changes -> changes.removeWorker(workerId));
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("membership of pipeline " + pipeline + " is closed");
    }
  }

  /** Checks one worker; at most one check in flight. */
  private final class Probe {
    private final String workerId;
    private final String address;
    private final ProcessHandle process;
    private final ManagedChannel channel;
    private final AtomicBoolean checking = new AtomicBoolean();
    private volatile boolean stopped;
    private boolean live;

    Probe(String workerId, String address, ProcessHandle process) {
      this.workerId = workerId;
      this.address = address;
      this.process = process;
      this.channel = Grpc.newChannelBuilder(address, credentials).build();
    }

    void check() {
      if (stopped || !checking.compareAndSet(false, true)) {
        return;
      }
      if (process != null && !process.isAlive()) {
        checking.set(false);
        return; // onExit removes it
      }
      WorkerGrpc.newStub(channel)
          .withDeadlineAfter(checkTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .status(
              StatusRequest.getDefaultInstance(),
              new StreamObserver<>() {
                @Override
                public void onNext(WorkerStatus status) {
                  checking.set(false);
                  if (!status.getWorkerId().equals(workerId)) {
                    fail("answers as '" + status.getWorkerId() + "'");
                    return;
                  }
                  WorkerRecord record;
                  try {
                    record = WorkerStatusProto.fromProto(status, address);
                  } catch (IllegalArgumentException e) {
                    fail(e.getMessage());
                    return;
                  }
                  passed(record);
                }

                @Override
                public void onError(Throwable error) {
                  checking.set(false);
                  fail(error.toString());
                }

                @Override
                public void onCompleted() {}
              });
    }

    /*
     * Results and stop() exclude each other: a check that was answered just before the worker's
     * process exited must not put the worker back after the exit removed it.
     */
    private synchronized void passed(WorkerRecord record) {
      if (stopped) {
        return;
      }
      if (!live) {
        LOG.info("worker {} at {} is live", workerId, address);
        live = true;
      }
      state.applyNext(changes -> changes.putWorker(record));
    }

    private synchronized void fail(String reason) {
      if (!stopped && live) {
        LOG.info("worker {} at {} failed its check: {}", workerId, address, reason);
        live = false;
        dropWorker(workerId);
      }
    }

    /** After this returns no check result changes the membership any more. */
    void stop() {
      synchronized (this) {
        stopped = true;
      }
      channel.shutdownNow();
    }
  }
}
