package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

public class ClientTlsSpec {

  @Required
  @JsonPropertyDescription(
      "A Secret of type kubernetes.io/tls in the pipeline's namespace (keys tls.crt and tls.key)"
          + " whose certificate the client API presents; a renewed Secret is picked up without a"
          + " restart.")
  private String secretName;

  public String getSecretName() {
    return secretName;
  }

  public void setSecretName(String secretName) {
    this.secretName = secretName;
  }
}
