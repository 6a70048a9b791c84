package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

public class StageStatus {

  @JsonPropertyDescription("The stage index, counted from 0 at the model's input.")
  private Integer index;

  @JsonPropertyDescription("Workers this stage should have.")
  private Integer desiredReplicas;

  @JsonPropertyDescription(
      "Workers assigned to this stage whose pod is Ready and registered in etcd.")
  private Integer readyReplicas;

  @JsonPropertyDescription("Worker pods assigned to this stage.")
  private List<String> pods = new ArrayList<>();

  public StageStatus() {}

  public StageStatus(int index, int desiredReplicas, int readyReplicas, List<String> pods) {
    this.index = index;
    this.desiredReplicas = desiredReplicas;
    this.readyReplicas = readyReplicas;
    this.pods = new ArrayList<>(pods);
  }

  public Integer getIndex() {
    return index;
  }

  public void setIndex(Integer index) {
    this.index = index;
  }

  public Integer getDesiredReplicas() {
    return desiredReplicas;
  }

  public void setDesiredReplicas(Integer desiredReplicas) {
    this.desiredReplicas = desiredReplicas;
  }

  public Integer getReadyReplicas() {
    return readyReplicas;
  }

  public void setReadyReplicas(Integer readyReplicas) {
    this.readyReplicas = readyReplicas;
  }

  public List<String> getPods() {
    return pods;
  }

  public void setPods(List<String> pods) {
    this.pods = pods;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StageStatus s
        && Objects.equals(index, s.index)
        && Objects.equals(desiredReplicas, s.desiredReplicas)
        && Objects.equals(readyReplicas, s.readyReplicas)
        && Objects.equals(pods, s.pods);
  }

  @Override
  public int hashCode() {
    return Objects.hash(index, desiredReplicas, readyReplicas, pods);
  }

  @Override
  public String toString() {
    return "stage " + index + " " + readyReplicas + "/" + desiredReplicas + " " + pods;
  }
}
