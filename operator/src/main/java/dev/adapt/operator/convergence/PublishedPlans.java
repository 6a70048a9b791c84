package dev.adapt.operator.convergence;

import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.ServingRecord;
import java.util.Optional;

/**
 * The plans the operator reads from etcd. Three generations differ during a change:
 *
 * <ul>
 *   <li><em>wanted</em>: the generation of the {@code spec} key, the partitioning the resource asks
 *       for;
 *   <li><em>published</em>: the generation of the {@code plan} key, what the dispatcher has
 *       resolved (valid, or failed for invalid split points); it lags the wanted one while a model
 *       loads;
 *   <li><em>serving</em>: the {@code serving} key, the plan the dispatcher routes new requests
 *       through. The dispatcher decides it and is its only writer; the operator only reads it, so
 *       the two cannot disagree however many snapshots the operator's watch merges or skips.
 * </ul>
 */
public final class PublishedPlans {

  private PublishedPlans() {}

  /**
   * The plan in service: the {@code serving} record. When etcd lacks it (it lost its keys, and the
   * dispatcher has not written them again yet) the one the last status recorded stands in, unless
   * it is above the wanted generation: then it comes from before a loss that also reset the
   * generations.
   */
  public static Optional<ServingRecord> serving(
      MembershipSnapshot snapshot, Optional<ServingRecord> inLastStatus, long wantedGeneration) {
    return snapshot
        .serving()
        .or(() -> inLastStatus.filter(s -> s.generation() <= wantedGeneration));
  }

  /**
   * The plan to roll workers onto: the published plan, when it is valid and newer than the serving
   * one (every published valid plan while none serves).
   */
  public static Optional<PlanRecord> target(
      Optional<ServingRecord> serving, MembershipSnapshot snapshot) {
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
      Optional<ServingRecord> serving, MembershipSnapshot snapshot) {
    return serving.flatMap(
        s -> snapshot.plan().filter(p -> p.isValid() && p.generation() == s.generation()));
  }
}
