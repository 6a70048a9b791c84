package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;

public class WorkerResources extends ComputeResources {

  @Default("0")
  @Min(0)
  @JsonPropertyDescription(
      "GPUs per worker, requested as nvidia.com/gpu; above 0 the worker runs the GPU image.")
  private Integer gpu = 0;

  public Integer getGpu() {
    return gpu;
  }

  public void setGpu(Integer gpu) {
    this.gpu = gpu;
  }
}
