package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

public class ModelSpec {

  @Required
  @Size(min = 1, max = 1024)
  @ValidationRule(
      value =
          "self.matches('^builtin:[a-z0-9]+$') || self.matches('^pvc://[a-z0-9]([-a-z0-9]*[a-z0-9])?/.+$')"
              + " || self.startsWith('/')",
      message =
          "uri must be builtin:<name>, pvc://<claim>/<path> or an absolute path inside the"
              + " dispatcher image")
  @JsonPropertyDescription(
      "The model: 'builtin:resnet50' (Keras ResNet-50 with ImageNet weights, built into the"
          + " images); 'pvc://<claim>/<path>' (a SavedModel directory inside a PersistentVolumeClaim,"
          + " mounted read-only into the dispatcher); or an absolute path of a SavedModel inside"
          + " the dispatcher image. Only the dispatcher reads the model; workers receive their"
          + " slices from it.")
  private String uri;

  @Default("serving_default")
  @JsonPropertyDescription("The SavedModel signature to serve.")
  private String signature = "serving_default";

  public ModelSpec() {}

  public ModelSpec(String uri) {
    this.uri = uri;
  }

  public String getUri() {
    return uri;
  }

  public void setUri(String uri) {
    this.uri = uri;
  }

  public String getSignature() {
    return signature;
  }

  public void setSignature(String signature) {
    this.signature = signature;
  }
}
