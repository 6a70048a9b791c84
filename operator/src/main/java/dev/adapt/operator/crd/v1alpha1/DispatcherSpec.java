package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;

public class DispatcherSpec {

  @JsonPropertyDescription(
      "The dispatcher image; the operator's default dispatcher image when empty.")
  private String image;

  @Default("1")
  @Min(1)
  @JsonPropertyDescription(
      "Dispatcher replicas. Every replica loads the model; with a pvc:// model the claim must"
          + " allow ReadOnlyMany when replicas run on different nodes.")
  private Integer replicas = 1;

  @Default("{}")
  @JsonPropertyDescription("Compute resources of each dispatcher pod (it holds the whole model).")
  private ComputeResources resources = new ComputeResources();

  @Default("{}")
  @JsonPropertyDescription("The Service that exposes the Open Inference Protocol endpoints.")
  private DispatcherServiceSpec service = new DispatcherServiceSpec();

  @Default("{}")
  @JsonPropertyDescription("Dynamic batching of incoming requests.")
  private BatchingSpec batching = new BatchingSpec();

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public ComputeResources getResources() {
    return resources;
  }

  public void setResources(ComputeResources resources) {
    this.resources = resources;
  }

  public DispatcherServiceSpec getService() {
    return service;
  }

  public void setService(DispatcherServiceSpec service) {
    this.service = service;
  }

  public BatchingSpec getBatching() {
    return batching;
  }

  public void setBatching(BatchingSpec batching) {
    this.batching = batching;
  }
}
