package dev.adapt.dispatcher;

import dev.adapt.core.concurrent.NamedThreads;
import dev.adapt.core.membership.Membership;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.MembershipUnavailableException;
import dev.adapt.core.membership.SpecRecord;
import dev.adapt.core.membership.Subscription;
import dev.adapt.core.model.ModelLoadException;
import dev.adapt.dispatcher.planning.LoadFailures;
import dev.adapt.dispatcher.planning.PipelineFactory;
import dev.adapt.dispatcher.planning.PipelineFactory.Resolution;
import dev.adapt.dispatcher.plans.ServedPipeline;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the pipeline's {@code spec} while the dispatcher serves. Each new generation is loaded,
 * planned and sliced on a background thread, then handed to the dispatcher, which publishes it and
 * rolls onto it ({@link Dispatcher#replan}). Split points that are no valid cut points are
 * published as a failed plan for the operator to report, and the current plan keeps serving; so it
 * does when the model cannot be loaded or resolving fails for another reason (then the reason goes
 * to the {@code loadFailure} key, not the plan, marked internal in the latter case: see {@link
 * LoadFailures}). Generations that arrive while one is being resolved are coalesced: only the
 * newest is resolved next, and a result that a newer spec overtook is dropped.
 */
final class Replanner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Replanner.class);

  private final Membership membership;
  private final Dispatcher dispatcher;
  private final IntUnaryOperator maxInFlightFor;
  private final ExecutorService resolver =
      Executors.newSingleThreadExecutor(NamedThreads.daemon("replan"));
  private final AtomicReference<SpecRecord> wanted = new AtomicReference<>();
  private volatile long resolved;
  private volatile boolean closed;
  private Subscription subscription;

  /**
   * @param resolvedGeneration the spec generation the dispatcher serves (or rejected) already
   * @param maxInFlightFor batches in flight for a plan of a given number of stages
   */
  Replanner(
      Membership membership,
      Dispatcher dispatcher,
      long resolvedGeneration,
      IntUnaryOperator maxInFlightFor) {
    this.membership = membership;
    this.dispatcher = dispatcher;
    this.resolved = resolvedGeneration;
    this.maxInFlightFor = maxInFlightFor;
  }

  Replanner start() {
    subscription = membership.subscribe(this::onSnapshot);
    return this;
  }

  private void onSnapshot(MembershipSnapshot snapshot) {
    snapshot
        .spec()
        .filter(spec -> spec.generation() != resolved)
        .ifPresent(
            spec -> {
              if (!spec.equals(wanted.getAndSet(spec)) && !closed) {
                resolver.execute(this::resolveWanted);
              }
            });
  }

  private void resolveWanted() {
    SpecRecord spec = wanted.get();
    if (spec == null || spec.generation() == resolved || closed) {
      return;
    }
    log.info(
        "resolving spec generation {} while plan generation {} serves: {}",
        spec.generation(),
        dispatcher.planGeneration(),
        spec);
    long started = System.nanoTime();
    Resolution resolution;
    try {
      resolution = PipelineFactory.resolve(spec);
    } catch (RuntimeException e) {
      // A model that cannot be loaded, or an error of the dispatcher's own: said apart, so that
      // the model is not blamed for a bug.
      log.error(
          "{} spec generation {}; plan generation {} keeps serving",
          e instanceof ModelLoadException
              ? "cannot load the model of"
              : "internal error while resolving",
          spec.generation(),
          dispatcher.planGeneration(),
          e);
      LoadFailures.report(membership, spec, e);
      resolved = spec.generation();
      return;
    }
    if (!spec.equals(wanted.get())) {
      log.info("spec generation {} was overtaken while it was resolved", spec.generation());
      return;
    }
    while (!closed) {
      try {
        publish(resolution);
        break;
      } catch (MembershipUnavailableException e) {
        log.warn("cannot publish plan generation {} yet: {}", spec.generation(), e.getMessage());
        try {
          TimeUnit.SECONDS.sleep(1);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
    resolved = spec.generation();
    log.info(
        "spec generation {} resolved in {} ms",
        spec.generation(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  private void publish(Resolution resolution) {
    if (resolution.valid()) {
      ServedPipeline next = resolution.served();
      dispatcher.replan(next, maxInFlightFor.applyAsInt(next.stageCount()));
    } else {
      dispatcher.publishRejected(resolution.failed());
      log.error(
          "cannot serve spec generation {}: {}; plan generation {} keeps serving",
          resolution.failed().generation(),
          resolution.failed().error(),
          dispatcher.planGeneration());
    }
  }

  @Override
  public void close() {
    closed = true;
    if (subscription != null) {
      subscription.close();
    }
    resolver.shutdownNow();
  }
}
