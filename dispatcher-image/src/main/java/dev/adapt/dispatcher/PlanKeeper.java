package dev.adapt.dispatcher;

import dev.adapt.core.concurrent.NamedThreads;
import dev.adapt.core.membership.Membership;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.MembershipUnavailableException;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.Subscription;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher's side of the {@code plan} key: publishes the plans it resolves (valid or
 * rejected), and publishes the newest of them again when the key is gone. Only the dispatcher
 * writes the key and nothing deletes it, so its absence after a publication means that etcd lost
 * its data (the managed etcd keeps it in an emptyDir): without the plan the operator cannot tell
 * which plan the workers serve, and it waits for the plan before it assigns stages again.
 */
final class PlanKeeper implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PlanKeeper.class);
  private static final long RETRY_MILLIS = 1000;

  private final Membership membership;
  private final ExecutorService restorer =
      Executors.newSingleThreadExecutor(NamedThreads.daemon("plan-keeper"));
  private final AtomicReference<PlanRecord> newest = new AtomicReference<>();
  private final AtomicBoolean restoring = new AtomicBoolean();

  /**
   * Held while a plan is written, so that a restore which read the newest plan cannot write it
   * after a newer one was published and leave the key at the older generation.
   */
  private final Object writing = new Object();

  private volatile boolean closed;
  private Subscription subscription;

  PlanKeeper(Membership membership) {
    this.membership = membership;
  }

  /** Starts watching for the key to disappear. */
  PlanKeeper start() {
    subscription = membership.subscribe(this::onSnapshot);
    return this;
  }

  /**
   * Publishes {@code plan}, and keeps it published from now on.
   *
   * @throws MembershipUnavailableException when etcd cannot take it now (it is still kept: once
   *     etcd answers and lacks a plan, this one is published)
   */
  void publish(PlanRecord plan) {
    synchronized (writing) {
      newest.set(plan);
      membership.publishPlan(plan);
    }
  }

  private void onSnapshot(MembershipSnapshot snapshot) {
    if (snapshot.synced()
        && snapshot.plan().isEmpty()
        && newest.get() != null
        && !closed
        && restoring.compareAndSet(false, true)) {
      try {
        restorer.execute(this::restore);
      } catch (RejectedExecutionException closing) {
        restoring.set(false);
      }
    }
  }

  /**
   * Publishes the newest plan until the membership shows a plan again: a write that etcd took just
   * before it lost its data again counts for nothing.
   */
  private void restore() {
    try {
      boolean published = false;
      while (!closed) {
        MembershipSnapshot now = membership.snapshot();
        if (now.synced() && now.plan().isPresent()) {
          return;
        }
        PlanRecord plan;
        try {
          synchronized (writing) {
            plan = newest.get();
            membership.publishPlan(plan);
          }
          if (!published) {
            log.warn(
                "the plan key of pipeline {} was gone, as when etcd loses its data; published plan"
                    + " generation {} again",
                membership.pipeline(),
                plan.generation());
            published = true;
          }
        } catch (MembershipUnavailableException e) {
          log.debug("cannot publish the newest plan again yet: {}", e.toString());
        }
        TimeUnit.MILLISECONDS.sleep(RETRY_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      restoring.set(false);
    }
  }

  @Override
  public void close() {
    closed = true;
    if (subscription != null) {
      subscription.close();
    }
    restorer.shutdownNow();
  }
}
