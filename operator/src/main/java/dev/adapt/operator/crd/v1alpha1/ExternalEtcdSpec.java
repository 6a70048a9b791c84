package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

public class ExternalEtcdSpec {

  @Required
  @Size(min = 1, max = 9)
  @JsonPropertyDescription("Client URLs of the etcd members, such as http://etcd.infra:2379.")
  private List<String> endpoints;

  public List<String> getEndpoints() {
    return endpoints;
  }

  public void setEndpoints(List<String> endpoints) {
    this.endpoints = endpoints;
  }
}
