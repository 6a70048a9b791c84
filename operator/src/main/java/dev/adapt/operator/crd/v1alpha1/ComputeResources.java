package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Quantity;

public class ComputeResources {

  @JsonPropertyDescription("CPU request, such as 500m or 2; no CPU limit is set.")
  private Quantity cpu;

  @JsonPropertyDescription("Memory request and limit, such as 2Gi.")
  private Quantity memory;

  public Quantity getCpu() {
    return cpu;
  }

  public void setCpu(Quantity cpu) {
    this.cpu = cpu;
  }

  public Quantity getMemory() {
    return memory;
  }

  public void setMemory(Quantity memory) {
    this.memory = memory;
  }
}
