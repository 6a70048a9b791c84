package dev.adapt.core.membership;

import dev.adapt.core.concurrent.NamedThreads;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The observed membership of one pipeline and its listeners, shared by both implementations.
 * Mutations produce a new snapshot; listeners are called on one thread, in order, and always with
 * the newest snapshot (a slow listener skips intermediate ones, never the last).
 */
final class MembershipState implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MembershipState.class);

  private final ScheduledExecutorService notifier;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final Map<String, WorkerRecord> workers = new HashMap<>();
  private final Map<String, Assignment> assignments = new HashMap<>();
  private PlanRecord plan;
  private ServingRecord serving;
  private SpecRecord spec;
  private LoadFailureRecord loadFailure;
  private MembershipSnapshot current = MembershipSnapshot.empty();
  private long sequence;

  MembershipState(String pipeline) {
    this.notifier =
        Executors.newSingleThreadScheduledExecutor(NamedThreads.daemon("membership-" + pipeline));
  }

  synchronized MembershipSnapshot snapshot() {
    return current;
  }

  /** Replaces everything with what a full read returned. */
  synchronized void reset(
      long revision,
      Map<String, WorkerRecord> newWorkers,
      Map<String, Assignment> newAssignments,
      PlanRecord newPlan,
      ServingRecord newServing,
      SpecRecord newSpec,
      LoadFailureRecord newLoadFailure) {
    workers.clear();
    workers.putAll(newWorkers);
    assignments.clear();
    assignments.putAll(newAssignments);
    plan = newPlan;
    serving = newServing;
    spec = newSpec;
    loadFailure = newLoadFailure;
    publish(revision);
  }

  /** Applies a batch of changes that happened together (one etcd watch response). */
  synchronized void apply(long revision, Consumer<Changes> changes) {
    changes.accept(new Changes());
    publish(revision);
  }

  /**
   * Applies changes this process has just committed to the store, before the watch reports them,
   * keeping the watch's revision: its later events for the same keys carry the same values, and
   * events it has not delivered yet must still apply. Ignored until the first full read.
   */
  synchronized void applyOwnWrite(Consumer<Changes> changes) {
    if (current.synced()) {
      apply(current.revision(), changes);
    }
  }

  /** Applies changes as the next revision, for memberships without a store that counts them. */
  synchronized void applyNext(Consumer<Changes> changes) {
    apply(current.revision() + 1, changes);
  }

  Subscription subscribe(Consumer<MembershipSnapshot> consumer) {
    Listener listener = new Listener(consumer);
    listeners.add(listener);
    executeQuietly(this::deliverLatest);
    return () -> listeners.remove(listener);
  }

  @Override
  public void close() {
    listeners.clear();
    notifier.shutdownNow();
  }

  private void publish(long revision) {
    MembershipSnapshot next =
        new MembershipSnapshot(
            true, revision, workers, assignments, plan, serving, spec, loadFailure);
    boolean changed = !next.sameContent(current);
    current = next;
    if (changed) {
      sequence++;
      executeQuietly(this::deliverLatest);
    }
  }

  private void executeQuietly(Runnable task) {
    if (!notifier.isShutdown()) {
      try {
        notifier.execute(task);
      } catch (java.util.concurrent.RejectedExecutionException closing) {
        LOG.debug("membership closed; notification dropped");
      }
    }
  }

  private void deliverLatest() {
    MembershipSnapshot latest;
    long latestSequence;
    synchronized (this) {
      latest = current;
      latestSequence = sequence;
    }
    for (Listener listener : listeners) {
      if (listener.seen < latestSequence) {
        listener.seen = latestSequence;
        try {
          listener.consumer.accept(latest);
        } catch (RuntimeException e) {
          LOG.warn("membership listener failed on {}", latest, e);
        }
      }
    }
  }

  private static final class Listener {
    final Consumer<MembershipSnapshot> consumer;
    long seen = -1;

    Listener(Consumer<MembershipSnapshot> consumer) {
      this.consumer = consumer;
    }
  }

  /** The mutations allowed inside {@link #apply}. */
  final class Changes {
    void putWorker(WorkerRecord worker) {
      workers.put(worker.workerId(), worker);
    }

    void removeWorker(String workerId) {
      workers.remove(workerId);
    }

    void putAssignment(Assignment assignment) {
      assignments.put(assignment.workerId(), assignment);
    }

    void removeAssignment(String workerId) {
      assignments.remove(workerId);
    }

    void plan(PlanRecord newPlan) {
      plan = newPlan;
    }

    void serving(ServingRecord newServing) {
      serving = newServing;
    }

    void spec(SpecRecord newSpec) {
      spec = newSpec;
    }

    void loadFailure(LoadFailureRecord newLoadFailure) {
      loadFailure = newLoadFailure;
    }
  }
}
