package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public class WorkerSpec {

  @JsonPropertyDescription("The CPU worker image; the operator's default worker image when empty.")
  private String image;

  @JsonPropertyDescription(
      "The GPU worker image (TensorFlow with CUDA), used when resources.gpu is above 0; the"
          + " operator's default GPU worker image when empty.")
  private String gpuImage;

  @Default("{}")
  @JsonPropertyDescription("Compute resources of each worker pod.")
  private WorkerResources resources = new WorkerResources();

  @JsonPropertyDescription("Node labels a worker pod's node must have.")
  private Map<String, String> nodeSelector = new LinkedHashMap<>();

  @JsonPropertyDescription(
      "Tolerations of the worker pods; pods asking for GPUs also tolerate the nvidia.com/gpu"
          + " taint.")
  private List<Toleration> tolerations = new ArrayList<>();

  @JsonPropertyDescription("Extra environment variables of the worker container.")
  private List<EnvVar> env = new ArrayList<>();

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public String getGpuImage() {
    return gpuImage;
  }

  public void setGpuImage(String gpuImage) {
    this.gpuImage = gpuImage;
  }

  public WorkerResources getResources() {
    return resources;
  }

  public void setResources(WorkerResources resources) {
    this.resources = resources;
  }

  public Map<String, String> getNodeSelector() {
    return nodeSelector;
  }

  public void setNodeSelector(Map<String, String> nodeSelector) {
    this.nodeSelector = nodeSelector;
  }

  public List<Toleration> getTolerations() {
    return tolerations;
  }

  public void setTolerations(List<Toleration> tolerations) {
    this.tolerations = tolerations;
  }

  public List<EnvVar> getEnv() {
    return env;
  }

  public void setEnv(List<EnvVar> env) {
    this.env = env;
  }
}
