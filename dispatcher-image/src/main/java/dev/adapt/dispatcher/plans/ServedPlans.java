package dev.adapt.dispatcher.plans;

import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.ServingRecord;
import dev.adapt.dispatcher.requests.InferenceException;
import dev.adapt.dispatcher.requests.ModelInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plan generations a dispatcher routes through. The current plan takes new requests. A new plan
 * is pending from its publication until every one of its stages has a replica; then it becomes the
 * current plan in one step. A pending plan that a newer published plan (this dispatcher's, or the
 * {@code plan} key's) has overtaken never takes over. The plan it replaces retires: its slices are
 * dropped at once, and it is forgotten when the last request admitted under it has been answered.
 *
 * <p>This is where the plan in service is decided ({@link #inService}): the current plan once all
 * of its stages have been served, which for a plan that took over is at once and for the first plan
 * is when its workers are ready. The dispatcher publishes it under {@code serving}; the operator
 * reads that record and keeps the workers of the plan in service, instead of inferring the switch
 * itself from snapshots its watch may skip.
 *
 * <p>A request carries the generation it was admitted under (its lane). Its batch goes to the
 * current plan when that computes the same model, else to the plan it was admitted under; a replay
 * prefers the plan of the failed attempt while that plan still has a route. A request admitted
 * under a model that has since been replaced by a different one is never answered by the new model:
 * when its plan has no route left it fails with a message saying so.
 */
public final class ServedPlans {
  private static final Logger log = LoggerFactory.getLogger(ServedPlans.class);

  /** Pending plans kept at once (each holds a model's slices); the oldest goes beyond this. */
  private static final int MAX_PENDING = 2;

  /** Where the next attempt of a batch goes. */
  public sealed interface Choice {}

  /** Send the batch on this route of this plan. */
  public record Go(PlanGeneration plan, List<Replica> route) implements Choice {}

  /** Some stage has no replica now; try again after the next change. */
  public record Wait() implements Choice {}

  /** No plan that may answer the batch can route it any more. */
  public record Fail(String reason) implements Choice {}

  /**
   * A plan took over from another.
   *
   * @param unanswered requests admitted under the old plan and not answered yet
   */
  public record Switch(PlanGeneration from, PlanGeneration to, int unanswered) {}

  private final WorkerLoad load = new WorkerLoad();
  private final List<PlanGeneration> pending = new ArrayList<>();
  private final List<PlanGeneration> retired = new ArrayList<>();
  private PlanGeneration current;
  private boolean currentInService;
  private long newestPublished = Long.MIN_VALUE;
  private CompletableFuture<Void> changed = new CompletableFuture<>();

  public ServedPlans(ServedPipeline first, int maxInFlightBatches) {
    current = new PlanGeneration(first, maxInFlightBatches, new ReplicaTable(load));
    newestPublished = current.generation();
  }

  public synchronized PlanGeneration current() {
    return current;
  }

  /** The current plan and the pending ones: those whose assigned workers need their slices. */
  public synchronized List<PlanGeneration> pushable() {
    List<PlanGeneration> plans = new ArrayList<>();
    plans.add(current);
    plans.addAll(pending);
    return plans;
  }

  /**
   * The plan in service: the current plan, once every one of its stages has been served; empty
   * while the first plan waits for its workers.
   */
  public synchronized Optional<ServingRecord> inService() {
    return currentInService ? Optional.of(ServingRecord.of(current.plan())) : Optional.empty();
  }

  /**
   * A plan of {@code generation} is being published (valid or rejected): no older pending plan may
   * take over from now on, even before the membership shows the publication. Called before the plan
   * is written, so that the plan in service that etcd shows next to it is final.
   */
  public synchronized void published(long generation) {
    newestPublished = Math.max(newestPublished, generation);
  }

  /** Every stage of the current plan has a replica outside quarantine. */
  public synchronized boolean ready() {
    return current.replicas().ready();
  }

  /**
   * Adds a published plan. It takes over once every stage has a replica; until then the current
   * plan keeps serving. A plan of the current generation is ignored.
   */
  public synchronized void offer(ServedPipeline next, int maxInFlightBatches) {
    long generation = next.plan().generation();
    if (generation == current.generation()) {
      log.info("plan generation {} is already the current plan", generation);
      return;
    }
    published(generation);
    pending.removeIf(p -> p.generation() == generation);
    pending.add(new PlanGeneration(next, maxInFlightBatches, new ReplicaTable(load)));
    while (pending.size() > MAX_PENDING) {
      PlanGeneration dropped = pending.remove(0);
      dropped.releaseSlices();
      log.info("{} is no longer pending: two newer plans are", dropped);
    }
  }

  /**
   * Reads every plan's replicas from the membership and switches to the newest pending plan whose
   * every stage has a replica, unless a newer plan is published. The first plan goes into service
   * by the same rule, only without a switch. Waiting batches are woken either way.
   */
  public synchronized Optional<Switch> refresh(MembershipSnapshot snapshot) {
    for (PlanGeneration plan : all()) {
      plan.replicas().update(plan.replicasIn(snapshot));
    }
    long published =
        Math.max(
            newestPublished, snapshot.plan().map(PlanRecord::generation).orElse(Long.MIN_VALUE));
    if (!currentInService
        && current.generation() >= published
        && snapshot.servesEveryStage(current.plan())) {
      currentInService = true;
    }
    Optional<Switch> switched = Optional.empty();
    for (int i = pending.size() - 1; i >= 0; i--) {
      PlanGeneration next = pending.get(i);
      if (next.replicas().ready() && next.generation() >= published) {
        List<PlanGeneration> passedOver = new ArrayList<>(pending.subList(0, i));
        pending.subList(0, i + 1).clear();
        passedOver.forEach(PlanGeneration::releaseSlices);
        PlanGeneration previous = current;
        current = next;
        currentInService = true;
        previous.releaseSlices();
        if (previous.admitted() > 0) {
          retired.add(previous);
        }
        switched = Optional.of(new Switch(previous, next, previous.admitted()));
        break;
      }
    }
    signal();
    return switched;
  }

  /**
   * Admits one request under the current plan. {@code model} is what the request was read and
   * checked against; when another model took over meanwhile the request is refused.
   */
  public synchronized PlanGeneration admit(ModelInfo model) {
    if (!current.model().equals(model)) {
      throw new InferenceException(
          InferenceException.Kind.UNAVAILABLE,
          "the served model changed to '"
              + current.model().name()
              + "' while the request was read; send it again");
    }
    current.admittedChanged(1);
    return current;
  }

  /** A request admitted under {@code lane} has its answer. */
  public synchronized void answered(PlanGeneration lane) {
    lane.admittedChanged(-1);
    if (lane.admitted() == 0 && retired.remove(lane)) {
      log.info("{} retired: its last request was answered", lane);
    }
  }

  /**
   * Chooses where the next attempt of a batch goes.
   *
   * @param lane the generation its requests were admitted under
   * @param bound the plan of its previous attempt, or null for the first attempt
   * @param avoid workers this batch failed on
   */
  public synchronized Choice route(long lane, PlanGeneration bound, Set<String> avoid) {
    PlanGeneration admitted = known(lane).orElse(null);
    if (admitted == null) {
      return new Fail("plan generation " + lane + " is no longer served; send the request again");
    }
    List<PlanGeneration> candidates = new ArrayList<>();
    if (bound != null && (bound == current || retired.contains(bound))) {
      candidates.add(bound);
    }
    if (current.sameModelAs(admitted) && !candidates.contains(current)) {
      candidates.add(current);
    }
    if (!candidates.contains(admitted)) {
      candidates.add(admitted);
    }
    for (PlanGeneration plan : candidates) {
      Optional<List<Replica>> route = plan.replicas().route(avoid);
      if (route.isPresent()) {
        return new Go(plan, route.get());
      }
    }
    if (!candidates.contains(current)) {
      // Only retired plans may answer, and their workers have moved on.
      return new Fail(
          "model '"
              + admitted.model().name()
              + "' (plan generation "
              + admitted.generation()
              + ") was replaced by '"
              + current.model().name()
              + "' (plan generation "
              + current.generation()
              + ") and no worker serves it any more; send the request again");
    }
    return new Wait();
  }

  /** Completes at the next refresh. */
  public synchronized CompletableFuture<Void> nextChange() {
    return changed;
  }

  private Optional<PlanGeneration> known(long generation) {
    if (current.generation() == generation) {
      return Optional.of(current);
    }
    return retired.stream().filter(p -> p.generation() == generation).findFirst();
  }

  private List<PlanGeneration> all() {
    List<PlanGeneration> plans = pushable();
    plans.addAll(retired);
    return plans;
  }

  private void signal() {
    CompletableFuture<Void> done = changed;
    changed = new CompletableFuture<>();
    done.complete(null);
  }
}
