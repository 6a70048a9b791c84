package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

public class InferencePipelineStatus {

  @JsonPropertyDescription("Pending, Deploying, Ready, Degraded or Failed.")
  private Phase phase;

  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "Ready, Progressing, Degraded and InvalidSpec, each with the generation it was computed"
          + " for.")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription(
      "Generation of the plan in service: the newest plan that had every stage served by a worker"
          + " holding its slice. New requests go through it. Absent until a plan served.")
  private Long planGeneration;

  @JsonPropertyDescription(
      "The split points of the plan in service (resolved names when balanced); those of a plan"
          + " being rolled out are under rollout.")
  private List<String> splitPoints = new ArrayList<>();

  @JsonPropertyDescription(
      "The number of stages of the plan in service (before any served: of the plan being"
          + " deployed, else of the spec).")
  private Integer stageCount;

  @JsonPropertyDescription(
      "Ready and desired workers of every stage of the plan in service, with their pods.")
  private List<StageStatus> stages = new ArrayList<>();

  @JsonPropertyDescription(
      "The plan change under way, while the wanted plan generation is not in service and not"
          + " rejected.")
  private PlanRollout rollout;

  @JsonPropertyDescription("Standby workers that are Ready and registered.")
  private Integer standbyReady;

  @JsonPropertyDescription("Standby workers the spec asks for.")
  private Integer standbyDesired;

  @JsonPropertyDescription("Ready workers over desired workers (stage replicas plus standbys).")
  private String readyWorkers;

  @JsonPropertyDescription("The in-cluster address of the dispatcher's REST endpoint.")
  private String endpoint;

  public Phase getPhase() {
    return phase;
  }

  public void setPhase(Phase phase) {
    this.phase = phase;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
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

  public List<StageStatus> getStages() {
    return stages;
  }

  public void setStages(List<StageStatus> stages) {
    this.stages = stages;
  }

  public PlanRollout getRollout() {
    return rollout;
  }

  public void setRollout(PlanRollout rollout) {
    this.rollout = rollout;
  }

  public Integer getStandbyReady() {
    return standbyReady;
  }

  public void setStandbyReady(Integer standbyReady) {
    this.standbyReady = standbyReady;
  }

  public Integer getStandbyDesired() {
    return standbyDesired;
  }

  public void setStandbyDesired(Integer standbyDesired) {
    this.standbyDesired = standbyDesired;
  }

  public String getReadyWorkers() {
    return readyWorkers;
  }

  public void setReadyWorkers(String readyWorkers) {
    this.readyWorkers = readyWorkers;
  }

  public String getEndpoint() {
    return endpoint;
  }

  public void setEndpoint(String endpoint) {
    this.endpoint = endpoint;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InferencePipelineStatus s
        && phase == s.phase
        && Objects.equals(observedGeneration, s.observedGeneration)
        && Objects.equals(conditions, s.conditions)
        && Objects.equals(planGeneration, s.planGeneration)
        && Objects.equals(splitPoints, s.splitPoints)
        && Objects.equals(stageCount, s.stageCount)
        && Objects.equals(stages, s.stages)
        && Objects.equals(rollout, s.rollout)
        && Objects.equals(standbyReady, s.standbyReady)
        && Objects.equals(standbyDesired, s.standbyDesired)
        && Objects.equals(readyWorkers, s.readyWorkers)
        && Objects.equals(endpoint, s.endpoint);
  }

  @Override
  public int hashCode() {
    return Objects.hash(phase, observedGeneration, conditions, stageCount, readyWorkers, endpoint);
  }
}
