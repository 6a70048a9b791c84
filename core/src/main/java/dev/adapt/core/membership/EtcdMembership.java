package dev.adapt.core.membership;

import dev.adapt.core.concurrent.NamedThreads;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership stored in etcd under {@link MembershipKeys}. The observed state is read once and then
 * followed with a watch from the next revision. When the watch breaks (etcd unreachable, restarted,
 * history compacted, watch cancelled) everything is read again and watched from the revision of
 * that read, rather than resumed where it left off: an etcd that comes back without its data (a
 * member on an emptyDir replaced) counts revisions from 1 again, and a watch resumed at the old
 * revision would wait silently for that revision while the view kept the lost keys. Nothing is
 * watched until someone asks for a snapshot, so a worker that only registers costs etcd no watch.
 */
public final class EtcdMembership implements Membership {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdMembership.class);
  private static final Duration RESYNC_DELAY = Duration.ofMillis(500);

  private final EtcdSettings settings;
  private final String pipeline;
  private final MembershipKeys keys;
  private final Client client;
  private final MembershipState state;
  private final ScheduledExecutorService scheduler;
  private final Set<EtcdWorkerRegistration> registrations = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;
  private boolean watching;
  private Watch.Watcher watcher;

  /** Identifies the current watch; callbacks of a replaced one are ignored. */
  private Object watch;

  /** A broken watch to close, off jetcd's callback thread. */
  private Watch.Watcher replaced;

  private boolean outageLogged;

  private EtcdMembership(EtcdSettings settings, String pipeline) {
    this.settings = settings;
    this.pipeline = pipeline;
    this.keys = new MembershipKeys(pipeline);
    this.client = EtcdClients.connect(settings);
    this.state = new MembershipState(pipeline);
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            NamedThreads.daemon("etcd-membership-" + pipeline));
  }

  /** Connects lazily: nothing fails here when etcd is down, only later operations. */
  public static EtcdMembership connect(EtcdSettings settings, String pipeline) {
    return new EtcdMembership(settings, pipeline);
  }

  @Override
  public String pipeline() {
    return pipeline;
  }

  public MembershipKeys keys() {
    return keys;
  }

  public EtcdSettings settings() {
    return settings;
  }

  @Override
  public WorkerRegistration register(WorkerRecord self) {
    requireOpen();
    EtcdWorkerRegistration registration =
        new EtcdWorkerRegistration(client, keys, settings, self, registrations::remove);
    registrations.add(registration);
    registration.start();
    return registration;
  }

  @Override
  public MembershipSnapshot snapshot() {
    startWatching();
    return state.snapshot();
  }

  @Override
  public Subscription subscribe(Consumer<MembershipSnapshot> listener) {
    requireOpen();
    startWatching();
    return state.subscribe(listener);
  }

  @Override
  public void putAssignments(Collection<Assignment> assignments) {
    Op[] puts =
        assignments.stream()
            .map(a -> Op.put(bytes(keys.assignment(a.workerId())), json(a), PutOption.DEFAULT))
            .toArray(Op[]::new);
    await(client.getKVClient().txn().Then(puts).commit(), "write assignments " + assignments);
    state.applyOwnWrite(changes -> assignments.forEach(changes::putAssignment));
  }

  @Override
  public void deleteAssignments(Collection<String> workerIds) {
    Op[] deletes =
        workerIds.stream()
            .map(id -> Op.delete(bytes(keys.assignment(id)), DeleteOption.DEFAULT))
            .toArray(Op[]::new);
    await(client.getKVClient().txn().Then(deletes).commit(), "delete assignments " + workerIds);
    state.applyOwnWrite(changes -> workerIds.forEach(changes::removeAssignment));
  }

  /**
   * Writes the changed assignments and deletes the removed ones in one transaction. The snapshot
   * shows them as soon as this returns: a writer that placed workers again from a view still
   * lacking its own last write would move workers that already hold a stage.
   */
  @Override
  public void applyAssignments(Map<String, Assignment> desired) {
    Map<String, Assignment> current = snapshot().assignments();
    List<Op> ops = new ArrayList<>();
    desired.forEach(
        (id, assignment) -> {
          if (!assignment.equals(current.get(id))) {
            ops.add(Op.put(bytes(keys.assignment(id)), json(assignment), PutOption.DEFAULT));
          }
        });
    current.keySet().stream()
        .filter(id -> !desired.containsKey(id))
        .forEach(id -> ops.add(Op.delete(bytes(keys.assignment(id)), DeleteOption.DEFAULT)));
    if (!ops.isEmpty()) {
      await(
          client.getKVClient().txn().Then(ops.toArray(Op[]::new)).commit(),
          "apply assignments " + desired.values());
      state.applyOwnWrite(
          changes -> {
            current.keySet().stream()
                .filter(id -> !desired.containsKey(id))
                .forEach(changes::removeAssignment);
            desired.values().forEach(changes::putAssignment);
          });
    }
  }

  @Override
  public void publishPlan(PlanRecord plan) {
    await(
        client.getKVClient().put(bytes(keys.plan()), json(plan)),
        "publish plan generation " + plan.generation());
  }

  /**
   * Compare-and-put: reads the stored record, and writes only if it is absent or of an older
   * generation, in a transaction that fails when the key changed since that read (then it reads
   * again). Two dispatchers (a Deployment rolling) can thus never lower the generation, whatever
   * order their writes arrive in. A malformed stored value counts as absent.
   */
  @Override
  public boolean publishServing(ServingRecord serving) {
    ByteSequence key = bytes(keys.serving());
    String what = "publish serving plan generation " + serving.generation();
    while (true) {
      GetResponse stored = await(client.getKVClient().get(key), what);
      Cmp unchanged;
      if (stored.getKvs().isEmpty()) {
        unchanged = new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0));
      } else {
        KeyValue kv = stored.getKvs().get(0);
        if (storedGeneration(kv) >= serving.generation()) {
          return false;
        }
        unchanged = new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(kv.getModRevision()));
      }
      TxnResponse written =
          await(
              client
                  .getKVClient()
                  .txn()
                  .If(unchanged)
                  .Then(Op.put(key, json(serving), PutOption.DEFAULT))
                  .commit(),
              what);
      if (written.isSucceeded()) {
        return true;
      }
      LOG.debug("serving key of pipeline {} changed while {}; reading it again", pipeline, what);
    }
  }

  private long storedGeneration(KeyValue kv) {
    try {
      return MembershipJson.read(keys.serving(), kv.getValue().getBytes(), ServingRecord.class)
          .generation();
    } catch (MembershipJson.MalformedRecordException | IllegalArgumentException e) {
      LOG.warn("overwriting a malformed serving record: {}", e.getMessage());
      return Long.MIN_VALUE;
    }
  }

  @Override
  public void putSpec(SpecRecord spec) {
    await(client.getKVClient().put(bytes(keys.spec()), json(spec)), "write spec " + spec);
  }

  @Override
  public void publishLoadFailure(LoadFailureRecord failure) {
    await(
        client.getKVClient().put(bytes(keys.loadFailure()), json(failure)),
        "report the load failure of spec generation " + failure.generation());
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (EtcdWorkerRegistration registration : registrations) {
      registration.close();
    }
    synchronized (this) {
      if (watcher != null) {
        watcher.close();
      }
    }
    closeReplaced();
    scheduler.shutdownNow();
    state.close();
    client.close();
  }

  private synchronized void startWatching() {
    if (!watching && !closed) {
      watching = true;
      scheduler.execute(this::resync);
    }
  }

  /** Reads everything, then watches from the revision after the read. */
  private void resync() {
    if (closed) {
      return;
    }
    closeReplaced();
    try {
      var response =
          client
              .getKVClient()
              .get(bytes(keys.prefix()), GetOption.builder().isPrefix(true).build())
              .get(settings.operationTimeout().toMillis(), TimeUnit.MILLISECONDS);
      long revision = response.getHeader().getRevision();
      Map<String, WorkerRecord> workers = new HashMap<>();
      Map<String, Assignment> assignments = new HashMap<>();
      PlanRecord[] plan = new PlanRecord[1];
      ServingRecord[] serving = new ServingRecord[1];
      SpecRecord[] spec = new SpecRecord[1];
      LoadFailureRecord[] loadFailure = new LoadFailureRecord[1];
      for (KeyValue kv : response.getKvs()) {
        String key = kv.getKey().toString(StandardCharsets.UTF_8);
        keys.parse(key)
            .ifPresent(
                parsed ->
                    readQuietly(
                        () -> {
                          byte[] value = kv.getValue().getBytes();
                          switch (parsed.kind()) {
                            case WORKER ->
                                workers.put(
                                    parsed.workerId(), readWorker(key, parsed.workerId(), value));
                            case ASSIGNMENT ->
                                assignments.put(
                                    parsed.workerId(),
                                    readAssignment(key, parsed.workerId(), value));
                            case PLAN ->
                                plan[0] = MembershipJson.read(key, value, PlanRecord.class);
                            case SERVING ->
                                serving[0] = MembershipJson.read(key, value, ServingRecord.class);
                            case SPEC ->
                                spec[0] = MembershipJson.read(key, value, SpecRecord.class);
                            case LOAD_FAILURE ->
                                loadFailure[0] =
                                    MembershipJson.read(key, value, LoadFailureRecord.class);
                          }
                        }));
      }
      state.reset(revision, workers, assignments, plan[0], serving[0], spec[0], loadFailure[0]);
      // Created-notify: the answer to the watch's creation carries the store's revision.
      WatchOption option =
          WatchOption.builder()
              .isPrefix(true)
              .withRevision(revision + 1)
              .withCreateNotify(true)
              .build();
      synchronized (this) {
        if (closed) {
          return;
        }
        Object token = new Object();
        watch = token;
        watcher =
            client
                .getWatchClient()
                .watch(
                    bytes(keys.prefix()),
                    option,
                    Watch.listener(
                        events -> onWatch(token, events),
                        error -> onWatchError(token, error),
                        () -> onWatchClosed(token)));
      }
      if (outageLogged) {
        LOG.info(
            "etcd membership of pipeline {} readable again at revision {}", pipeline, revision);
        outageLogged = false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      if (!outageLogged) {
        LOG.warn(
            "cannot read the membership of pipeline {} from etcd {}; retrying: {}",
            pipeline,
            settings.endpoints(),
            e.toString());
        outageLogged = true;
      }
      scheduleResync();
    }
  }

  private void scheduleResync() {
    if (!closed) {
      try {
        scheduler.schedule(this::resync, RESYNC_DELAY.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException closing) {
        LOG.debug("membership closed; no resync");
      }
    }
  }

  private void onWatch(Object token, WatchResponse response) {
    synchronized (this) {
      if (watch != token) {
        return;
      }
    }
    if (response.isCreatedNotify()) {
      long store = response.getHeader().getRevision();
      long seen = state.snapshot().revision();
      if (store < seen && stopWatch(token)) {
        // The watch was created on an etcd that is behind what was read: one that lost its data
        // between the read and the watch. Its revisions would reach ours only after many writes.
        LOG.warn(
            "etcd of pipeline {} is at revision {}, below the {} already read: it lost its data;"
                + " reading everything again",
            pipeline,
            store,
            seen);
        scheduleResync();
      }
      return;
    }
    if (response.getEvents().isEmpty()) {
      return;
    }
    long revision =
        response.getEvents().get(response.getEvents().size() - 1).getKeyValue().getModRevision();
    state.apply(
        revision,
        changes -> {
          for (WatchEvent event : response.getEvents()) {
            KeyValue kv = event.getKeyValue();
            String key = kv.getKey().toString(StandardCharsets.UTF_8);
            keys.parse(key).ifPresent(parsed -> applyEvent(changes, event, key, parsed));
          }
        });
  }

  private void applyEvent(
      MembershipState.Changes changes, WatchEvent event, String key, MembershipKeys.Key parsed) {
    boolean put = event.getEventType() == WatchEvent.EventType.PUT;
    byte[] value = event.getKeyValue().getValue().getBytes();
    switch (parsed.kind()) {
      case WORKER -> {
        changes.removeWorker(parsed.workerId());
        if (put) {
          readQuietly(() -> changes.putWorker(readWorker(key, parsed.workerId(), value)));
        }
      }
      case ASSIGNMENT -> {
        changes.removeAssignment(parsed.workerId());
        if (put) {
          readQuietly(() -> changes.putAssignment(readAssignment(key, parsed.workerId(), value)));
        }
      }
      case PLAN -> {
        changes.plan(null);
        if (put) {
          readQuietly(() -> changes.plan(MembershipJson.read(key, value, PlanRecord.class)));
        }
      }
      case SERVING -> {
        changes.serving(null);
        if (put) {
          readQuietly(() -> changes.serving(MembershipJson.read(key, value, ServingRecord.class)));
        }
      }
      case SPEC -> {
        changes.spec(null);
        if (put) {
          readQuietly(() -> changes.spec(MembershipJson.read(key, value, SpecRecord.class)));
        }
      }
      case LOAD_FAILURE -> {
        changes.loadFailure(null);
        if (put) {
          readQuietly(
              () -> changes.loadFailure(MembershipJson.read(key, value, LoadFailureRecord.class)));
        }
      }
    }
  }

  /**
   * The watch broke. jetcd would resume it from the revision after the last event; instead it is
   * closed and everything read again (see the class comment), as soon as etcd answers.
   */
  private void onWatchError(Object token, Throwable error) {
    LOG.info(
        "membership watch of pipeline {} interrupted ({}); reading everything again",
        pipeline,
        error.toString());
    if (stopWatch(token)) {
      try {
        scheduler.execute(this::resync);
      } catch (java.util.concurrent.RejectedExecutionException closing) {
        LOG.debug("membership closed; no resync");
      }
    }
  }

  private void onWatchClosed(Object token) {
    if (stopWatch(token)) {
      LOG.warn("membership watch of pipeline {} ended; reading everything again", pipeline);
      scheduleResync();
    }
  }

  /** Closes a broken watch, here rather than in jetcd's callback, which holds its client's lock. */
  private void closeReplaced() {
    Watch.Watcher broken;
    synchronized (this) {
      broken = replaced;
      replaced = null;
    }
    if (broken != null) {
      broken.close();
    }
  }

  /** Ends the current watch if {@code token} names it; false for a watch already replaced. */
  private synchronized boolean stopWatch(Object token) {
    if (closed || watch != token) {
      return false;
    }
    watch = null;
    replaced = watcher;
    watcher = null;
    return true;
  }

  /** A malformed value is logged and skipped: one bad key must not blind the observer. */
  private static void readQuietly(Runnable read) {
    try {
      read.run();
    } catch (MembershipJson.MalformedRecordException | IllegalArgumentException e) {
      LOG.warn("ignoring membership value: {}", e.getMessage());
    }
  }

  private static WorkerRecord readWorker(String key, String workerId, byte[] value) {
    WorkerRecord worker = MembershipJson.read(key, value, WorkerRecord.class);
    requireKeyMatches(key, workerId, worker.workerId());
    return worker;
  }

  private static Assignment readAssignment(String key, String workerId, byte[] value) {
    Assignment assignment = MembershipJson.read(key, value, Assignment.class);
    requireKeyMatches(key, workerId, assignment.workerId());
    return assignment;
  }

  private static void requireKeyMatches(String key, String keyId, String valueId) {
    if (!keyId.equals(valueId)) {
      throw new IllegalArgumentException(
          "value of " + key + " names worker '" + valueId + "', not '" + keyId + "'");
    }
  }

  private <T> T await(CompletableFuture<T> future, String what) {
    requireOpen();
    try {
      return future.get(settings.operationTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MembershipUnavailableException("interrupted while trying to " + what, e);
    } catch (ExecutionException | TimeoutException e) {
      future.cancel(true);
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new MembershipUnavailableException(
          "could not "
              + what
              + " in etcd "
              + settings.endpoints()
              + " within "
              + settings.operationTimeout()
              + ": "
              + cause,
          cause);
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("membership of pipeline " + pipeline + " is closed");
    }
  }

  static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }

  private static ByteSequence json(Object record) {
    return ByteSequence.from(MembershipJson.write(record));
  }
}
