package dev.adapt.dispatcher.planning;

import dev.adapt.core.concurrent.NamedThreads;
import dev.adapt.core.membership.Membership;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.MembershipUnavailableException;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.ServingRecord;
import dev.adapt.core.membership.Subscription;
import dev.adapt.dispatcher.plans.ServedPlans;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher's side of the {@code plan} and {@code serving} keys, the two records only the
 * dispatcher writes: publishes the plans it resolves (valid or rejected) and the plan in service
 * ({@link ServedPlans#inService}), and publishes the newest of each again when its key is gone.
 * Nothing deletes them, so an absence after a publication means that etcd lost its data (the
 * managed etcd keeps it in an emptyDir): without the plan the operator cannot tell which slices the
 * workers hold, and it waits for the plan before it assigns stages again.
 *
 * <p>The plan in service is written in the background (it changes on the membership thread, which
 * must not wait for etcd) and retried until etcd shows it, but always before the next plan: a
 * reader that sees a newer plan also sees the switch that happened before it was published, so it
 * can never take the workers of the plan in service for spares of the new one.
 */
public final class PlanKeeper implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PlanKeeper.class);
  private static final long RETRY_MILLIS = 1000;

  private final Membership membership;
  private final Supplier<Optional<ServingRecord>> inService;
  private final ExecutorService writer =
      Executors.newSingleThreadExecutor(NamedThreads.daemon("plan-keeper"));
  private final AtomicReference<PlanRecord> newest = new AtomicReference<>();
  private final AtomicBoolean catchingUp = new AtomicBoolean();

  /**
   * Held while a record is written, so that a restore which read the newest plan cannot write it
   * after a newer one was published and leave the key at the older generation, and so that the plan
   * in service lands before the next plan.
   */
  private final Object writing = new Object();

  /** Wakes a catch-up that waits to retry: the plan in service changed meanwhile. */
  private final Object wake = new Object();

  /** The newest generation written under {@code serving}; guarded by {@link #writing}. */
  private long servingWritten = Long.MIN_VALUE;

  private volatile boolean closed;
  private Subscription subscription;

  /** Keeps the plan only (a dispatcher that serves nothing yet). */
  public PlanKeeper(Membership membership) {
    this(membership, Optional::empty);
  }

  public PlanKeeper(Membership membership, Supplier<Optional<ServingRecord>> inService) {
    this.membership = membership;
    this.inService = inService;
  }

  /** Starts watching for the keys to disappear. */
  public PlanKeeper start() {
    subscription = membership.subscribe(this::catchUpIfBehind);
    return this;
  }

  /**
   * Publishes {@code plan}, after the plan in service if that changed since it was last written,
   * and keeps it published from now on.
   *
   * @throws MembershipUnavailableException when etcd cannot take it now (it is still kept: once
   *     etcd answers and lacks a plan, this one is published)
   */
  public void publish(PlanRecord plan) {
    synchronized (writing) {
      publishServing(false);
      newest.set(plan);
      membership.publishPlan(plan);
    }
  }

  /** The plan in service may have changed: publishes it in the background when etcd lags it. */
  public void servingChanged() {
    synchronized (wake) {
      wake.notifyAll();
    }
    catchUpIfBehind(membership.snapshot());
  }

  private void catchUpIfBehind(MembershipSnapshot snapshot) {
    if (snapshot.synced() && behind(snapshot) && !closed && catchingUp.compareAndSet(false, true)) {
      try {
        writer.execute(this::catchUp);
      } catch (RejectedExecutionException closing) {
        catchingUp.set(false);
      }
    }
  }

  /** The plan key is gone, or the serving key lags the plan in service. */
  private boolean behind(MembershipSnapshot snapshot) {
    boolean planLost = snapshot.plan().isEmpty() && newest.get() != null;
    boolean servingBehind =
        inService
            .get()
            .map(s -> snapshot.serving().map(r -> r.generation() < s.generation()).orElse(true))
            .orElse(false);
    return planLost || servingBehind;
  }

  /**
   * Writes what the membership lacks until it shows both: a write that etcd took just before it
   * lost its data again counts for nothing.
   */
  private void catchUp() {
    try {
      boolean planRestored = false;
      while (!closed) {
        MembershipSnapshot now = membership.snapshot();
        if (now.synced() && !behind(now)) {
          return;
        }
        try {
          synchronized (writing) {
            publishServing(now.synced() && now.serving().isEmpty());
            PlanRecord plan = newest.get();
            if (now.synced() && now.plan().isEmpty() && plan != null) {
              membership.publishPlan(plan);
              if (!planRestored) {
                log.warn(
                    "the plan key of pipeline {} was gone, as when etcd loses its data; published"
                        + " plan generation {} again",
                    membership.pipeline(),
                    plan.generation());
                planRestored = true;
              }
            }
          }
        } catch (MembershipUnavailableException e) {
          log.debug("cannot publish the newest plan or serving record yet: {}", e.toString());
        }
        synchronized (wake) {
          wake.wait(RETRY_MILLIS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      catchingUp.set(false);
    }
  }

  /**
   * Writes the plan in service when it is newer than the last one written, or again when the
   * membership seemed to lack it ({@code missing}: etcd lost it, or the watch has not shown the
   * write yet, and then etcd's compare-and-put keeps what it holds). Holds {@link #writing}.
   */
  private void publishServing(boolean missing) {
    Optional<ServingRecord> serving = inService.get();
    if (serving.isEmpty()) {
      return;
    }
    long generation = serving.get().generation();
    if (generation <= servingWritten && !missing) {
      return;
    }
    boolean wrote = membership.publishServing(serving.get());
    if (wrote && generation <= servingWritten) {
      log.warn(
          "the serving key of pipeline {} was gone, as when etcd loses its data; published plan"
              + " generation {} as in service again",
          membership.pipeline(),
          generation);
    } else if (wrote) {
      log.info(
          "published plan generation {} as the plan in service of pipeline {}",
          generation,
          membership.pipeline());
    }
    servingWritten = Math.max(servingWritten, generation);
  }

  @Override
  public void close() {
    closed = true;
    if (subscription != null) {
      subscription.close();
    }
    writer.shutdownNow();
  }
}
