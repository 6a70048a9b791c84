package dev.adapt.operator.convergence;

import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import java.util.List;
import java.util.Optional;

/**
 * The plan generation in service: the newest one that the dispatcher routes new requests through.
 * Three generations matter during a change, and they differ:
 *
 * <ul>
 *   <li><em>wanted</em>: the generation of the {@code spec} key, the partitioning the resource asks
 *       for;
 *   <li><em>published</em>: the generation of the {@code plan} key, what the dispatcher has
 *       resolved (valid, or failed for invalid split points); it lags the wanted one while a model
 *       loads;
 *   <li><em>serving</em>: a published plan becomes serving at the first moment when it is the
 *       published plan and every stage has a worker that serves it ({@link
 *       MembershipSnapshot#servesEveryStage}: READY, assigned that stage of that generation,
 *       holding its slice). It stays serving until a newer plan becomes serving the same way.
 * </ul>
 *
 * The dispatcher takes a plan into service by the same rule (a pending plan that a newer published
 * plan overtook never takes over), so operator and dispatcher agree without publishing anything
 * else. The serving generation is remembered in the resource's status and, between reconciliations,
 * by the operator's etcd watch, which sees every snapshot.
 *
 * @param splitPoints the resolved split points of the plan
 */
public record ServingPlan(long generation, int stageCount, List<String> splitPoints) {

  public ServingPlan {
    splitPoints = splitPoints == null ? List.of() : List.copyOf(splitPoints);
  }

  public static ServingPlan of(PlanRecord plan) {
    return new ServingPlan(plan.generation(), plan.stageCount(), plan.cutPoints());
  }

  /**
   * The serving plan after {@code snapshot}: the published plan when it is newer than {@code known}
   * and every stage is served, else {@code known}. A remembered generation above the wanted one
   * comes from an etcd that has since lost its keys (generations start again at 1) and is dropped.
   */
  public static Optional<ServingPlan> advance(
      Optional<ServingPlan> known, MembershipSnapshot snapshot, long wantedGeneration) {
    Optional<ServingPlan> still = known.filter(s -> s.generation() <= wantedGeneration);
    return snapshot
        .plan()
        .filter(p -> still.map(s -> p.generation() > s.generation()).orElse(true))
        .filter(p -> p.generation() <= wantedGeneration)
        .filter(snapshot::servesEveryStage)
        .map(ServingPlan::of)
        .or(() -> still);
  }

  /** The newer of two. */
  public static Optional<ServingPlan> newest(Optional<ServingPlan> a, Optional<ServingPlan> b) {
    if (a.isEmpty()) {
      return b;
    }
    if (b.isEmpty()) {
      return a;
    }
    return a.get().generation() >= b.get().generation() ? a : b;
  }

  /**
   * The plan to roll workers onto: the published plan, when it is valid and newer than the serving
   * one (every published valid plan while none serves).
   */
  public static Optional<PlanRecord> target(
      Optional<ServingPlan> serving, MembershipSnapshot snapshot) {
    return snapshot
        .plan()
        .filter(PlanRecord::isValid)
        .filter(p -> p.stageCount() > 0)
        .filter(p -> serving.map(s -> p.generation() > s.generation()).orElse(true));
  }

  /**
   * The published plan record of the serving generation, when the {@code plan} key still holds it.
   */
  public static Optional<PlanRecord> record(
      Optional<ServingPlan> serving, MembershipSnapshot snapshot) {
    return serving.flatMap(
        s -> snapshot.plan().filter(p -> p.isValid() && p.generation() == s.generation()));
  }
}
