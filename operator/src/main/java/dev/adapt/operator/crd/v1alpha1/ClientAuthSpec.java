package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;

public class ClientAuthSpec {

  @Required
  @JsonPropertyDescription(
      "A Secret in the pipeline's namespace holding the accepted bearer tokens. Requests without"
          + " one of them get 401 (REST) or UNAUTHENTICATED (gRPC); health endpoints stay open for"
          + " probes.")
  private String secretName;

  @Default("tokens")
  @JsonPropertyDescription("The key of that Secret whose value lists the tokens, one per line.")
  private String key = "tokens";

  public String getSecretName() {
    return secretName;
  }

  public void setSecretName(String secretName) {
    this.secretName = secretName;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }
}
