package dev.adapt.operator.convergence;

import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.ServingRecord;
import java.util.List;
import java.util.Optional;

/**
 * Where a pipeline stands with its plans, read once from what a reconciliation observed: the value
 * that picks the planner of the decision ({@link WorkerPlanner}) and that the status describes
 * (serving plan, plan being loaded). Exactly one case holds.
 */
public sealed interface RolloutState {

  /** The plan in service; empty before any plan served. */
  Optional<ServingRecord> serving();

  /** The record of the serving plan, while the {@code plan} key still holds it. */
  default Optional<PlanRecord> servingPlan() {
    return Optional.empty();
  }

  /** The plan workers are being given that does not serve yet. */
  default Optional<PlanRecord> loading() {
    return Optional.empty();
  }

  /**
   * etcd could not be read: pods are kept and nothing is assigned.
   *
   * @param serving what the last status recorded
   */
  record EtcdUnread(Optional<ServingRecord> serving) implements RolloutState {}

  /** No plan ever served and no valid plan is published: nothing to assign yet. */
  record NoPlan() implements RolloutState {
    @Override
    public Optional<ServingRecord> serving() {
      return Optional.empty();
    }
  }

  /**
   * A plan serves but the {@code plan} key is gone: etcd lost its keys (only the dispatcher writes
   * the key and nothing deletes it). Until it is published again the slices of the stages are
   * unknown, and assignments made now would move them.
   */
  record PlanLost(ServingRecord lost) implements RolloutState {
    @Override
    public Optional<ServingRecord> serving() {
      return Optional.of(lost);
    }
  }

  /**
   * Every worker on one plan: the serving one, or while none serves, the published one.
   *
   * @param plan the record of that plan, when the {@code plan} key holds it
   */
  record Settled(
      long generation, int stageCount, Optional<PlanRecord> plan, Optional<ServingRecord> serving)
      implements RolloutState {

    @Override
    public Optional<PlanRecord> servingPlan() {
      return serving.isPresent() ? plan : Optional.empty();
    }

    @Override
    public Optional<PlanRecord> loading() {
      return serving.isPresent() ? Optional.empty() : plan;
    }
  }

  /**
   * Settled on the wanted plan, with pods of an older template to hand their stages over.
   *
   * @param plan the record of the settled plan
   */
  record ReplacingPods(Settled settled, PlanRecord plan, List<WorkerPod> outdated)
      implements RolloutState {

    public ReplacingPods {
      outdated = List.copyOf(outdated);
    }

    @Override
    public Optional<ServingRecord> serving() {
      return settled.serving();
    }

    @Override
    public Optional<PlanRecord> servingPlan() {
      return settled.servingPlan();
    }

    @Override
    public Optional<PlanRecord> loading() {
      return settled.loading();
    }
  }

  /**
   * A valid plan newer than the serving one is published: blue/green from {@code current} to {@code
   * target}. The {@code plan} key holds the target, so the serving plan's slices are known only
   * from what its workers hold.
   */
  record RollingOut(ServingRecord current, PlanRecord target) implements RolloutState {

    @Override
    public Optional<ServingRecord> serving() {
      return Optional.of(current);
    }

    @Override
    public Optional<PlanRecord> loading() {
      return Optional.of(target);
    }
  }

  /** The state the facts show. */
  static RolloutState of(WorkerPlanner.Facts facts) {
    Optional<MembershipSnapshot> read = facts.snapshot().filter(MembershipSnapshot::synced);
    if (read.isEmpty()) {
      return new EtcdUnread(facts.servingInLastStatus());
    }
    MembershipSnapshot snapshot = read.get();
    Optional<ServingRecord> serving =
        PublishedPlans.serving(snapshot, facts.servingInLastStatus(), facts.specGeneration());
    Optional<PlanRecord> target = PublishedPlans.target(serving, snapshot);
    if (serving.isPresent() && snapshot.plan().isEmpty()) {
      return new PlanLost(serving.get());
    }
    if (serving.isPresent() && target.isPresent()) {
      return new RollingOut(serving.get(), target.get());
    }
    Settled settled;
    if (target.isPresent()) {
      settled =
          new Settled(
              target.get().generation(), target.get().stageCount(), target, Optional.empty());
    } else if (serving.isPresent()) {
      settled =
          new Settled(
              serving.get().generation(),
              serving.get().stageCount(),
              PublishedPlans.record(serving, snapshot),
              serving);
    } else {
      return new NoPlan();
    }
    List<WorkerPod> outdated =
        facts.pods().stream().filter(WorkerPod::usable).filter(p -> !p.upToDate()).toList();
    if (settled.plan().isPresent()
        && settled.generation() == facts.specGeneration()
        && !outdated.isEmpty()) {
      return new ReplacingPods(settled, settled.plan().get(), outdated);
    }
    return settled;
  }
}
