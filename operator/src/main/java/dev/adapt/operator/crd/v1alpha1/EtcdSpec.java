package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

@ValidationRule(
    value = "!(has(self.managed) && has(self.external))",
    message = "set at most one of etcd.managed and etcd.external")
public class EtcdSpec {

  @JsonPropertyDescription(
      "An etcd StatefulSet owned by the pipeline (the default when external is not set).")
  private ManagedEtcdSpec managed;

  @JsonPropertyDescription(
      "An existing etcd cluster; the pipeline keeps its keys under its prefix.")
  private ExternalEtcdSpec external;

  public static EtcdSpec external(java.util.List<String> endpoints) {
    EtcdSpec spec = new EtcdSpec();
    ExternalEtcdSpec external = new ExternalEtcdSpec();
    external.setEndpoints(endpoints);
    spec.setExternal(external);
    return spec;
  }

  /** True when the pipeline names an external etcd (not a bean property: no schema field). */
  public boolean usesExternal() {
    return external != null;
  }

  /** The managed settings, defaults included, or null for an external etcd. */
  public ManagedEtcdSpec managedOrDefault() {
    if (external != null) {
      return null;
    }
    return managed != null ? managed : new ManagedEtcdSpec();
  }

  public ManagedEtcdSpec getManaged() {
    return managed;
  }

  public void setManaged(ManagedEtcdSpec managed) {
    this.managed = managed;
  }

  public ExternalEtcdSpec getExternal() {
    return external;
  }

  public void setExternal(ExternalEtcdSpec external) {
    this.external = external;
  }
}
