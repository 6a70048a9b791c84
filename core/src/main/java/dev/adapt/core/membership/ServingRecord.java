package dev.adapt.core.membership;

import java.util.List;

/**
 * The plan generation in service: the value under {@code serving}. The dispatcher, the one
 * component that switches plans, writes it (and nothing else does) when a plan starts taking new
 * requests with every stage served; everyone else reads it instead of inferring the switch from the
 * snapshots they happen to see, which a watch may merge or skip. Writes never lower the generation
 * ({@link Membership#publishServing}).
 *
 * @param generation the plan generation (the {@code plan} key's generation when it was published)
 * @param stageCount how many stages that plan has
 * @param splitPoints the plan's resolved split points
 */
public record ServingRecord(long generation, int stageCount, List<String> splitPoints) {

  public ServingRecord {
    splitPoints = splitPoints == null ? List.of() : List.copyOf(splitPoints);
  }

  /** The record of a valid plan taken into service. */
  public static ServingRecord of(PlanRecord plan) {
    if (!plan.isValid()) {
      throw new IllegalArgumentException(
          "plan generation " + plan.generation() + " is invalid and cannot serve");
    }
    return new ServingRecord(plan.generation(), plan.stageCount(), plan.cutPoints());
  }
}
