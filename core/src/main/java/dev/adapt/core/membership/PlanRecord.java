package dev.adapt.core.membership;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;

/**
 * The plan the dispatcher resolved from the spec: the value under {@code plan}. When the spec
 * cannot be resolved, {@code error} says why, {@code stages} is empty and {@code validCutPoints}
 * lists what could have been asked for.
 *
 * @param specHash identifies the spec this plan was resolved from
 */
public record PlanRecord(
    long generation,
    String model,
    String specHash,
    List<String> cutPoints,
    List<PlanStage> stages,
    String error,
    List<String> validCutPoints) {

  public PlanRecord {
    cutPoints = cutPoints == null ? List.of() : List.copyOf(cutPoints);
    stages = stages == null ? List.of() : List.copyOf(stages);
    validCutPoints = validCutPoints == null ? List.of() : List.copyOf(validCutPoints);
  }

  public static PlanRecord failed(
      long generation, String model, String specHash, String error, List<String> validCutPoints) {
    return new PlanRecord(generation, model, specHash, List.of(), List.of(), error, validCutPoints);
  }

  @JsonIgnore
  public boolean isValid() {
    return error == null;
  }

  @JsonIgnore
  public int stageCount() {
    return stages.size();
  }
}
