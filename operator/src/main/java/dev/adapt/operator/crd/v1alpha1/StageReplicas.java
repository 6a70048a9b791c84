package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

public class StageReplicas {

  @Required
  @Min(0)
  @JsonPropertyDescription("The stage index, counted from 0 at the model's input.")
  private Integer stage;

  @Required
  @Min(1)
  @JsonPropertyDescription("Worker replicas of this stage.")
  private Integer replicas;

  public StageReplicas() {}

  public StageReplicas(int stage, int replicas) {
    this.stage = stage;
    this.replicas = replicas;
  }

  public Integer getStage() {
    return stage;
  }

  public void setStage(Integer stage) {
    this.stage = stage;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }
}
