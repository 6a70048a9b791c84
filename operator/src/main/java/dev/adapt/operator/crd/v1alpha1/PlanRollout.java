package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A plan change under way: the plan the spec asks for, and how far workers are onto it. */
public class PlanRollout {

  @JsonPropertyDescription(
      "The plan generation the spec asks for (counts changes of model and partitioning).")
  private Long wantedGeneration;

  @JsonPropertyDescription(
      "The published plan being loaded onto workers: the wanted one, or an older one while the"
          + " dispatcher resolves the wanted one. Absent while no newer plan is published.")
  private Long planGeneration;

  @JsonPropertyDescription("The split points of that plan, as the dispatcher resolved them.")
  private List<String> splitPoints = new ArrayList<>();

  @JsonPropertyDescription("The number of stages of that plan.")
  private Integer stageCount;

  @JsonPropertyDescription(
      "Stages of that plan that have a ready worker holding their slice; the plan goes into"
          + " service when this reaches stageCount.")
  private Integer stagesLoaded;

  public PlanRollout() {}

  public PlanRollout(long wantedGeneration) {
    this.wantedGeneration = wantedGeneration;
  }

  public Long getWantedGeneration() {
    return wantedGeneration;
  }

  public void setWantedGeneration(Long wantedGeneration) {
    this.wantedGeneration = wantedGeneration;
  }

  public Long getPlanGeneration() {
    return planGeneration;
  }

  public void setPlanGeneration(Long planGeneration) {
    this.planGeneration = planGeneration;
  }

  public List<String> getSplitPoints() {
    return splitPoints;
  }

  public void setSplitPoints(List<String> splitPoints) {
    this.splitPoints = splitPoints;
  }

  public Integer getStageCount() {
    return stageCount;
  }

  public void setStageCount(Integer stageCount) {
    this.stageCount = stageCount;
  }

  public Integer getStagesLoaded() {
    return stagesLoaded;
  }

  public void setStagesLoaded(Integer stagesLoaded) {
    this.stagesLoaded = stagesLoaded;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PlanRollout r
        && Objects.equals(wantedGeneration, r.wantedGeneration)
        && Objects.equals(planGeneration, r.planGeneration)
        && Objects.equals(splitPoints, r.splitPoints)
        && Objects.equals(stageCount, r.stageCount)
        && Objects.equals(stagesLoaded, r.stagesLoaded);
  }

  @Override
  public int hashCode() {
    return Objects.hash(wantedGeneration, planGeneration, stageCount, stagesLoaded);
  }
}
