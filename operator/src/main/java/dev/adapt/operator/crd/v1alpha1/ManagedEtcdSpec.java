package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;

@ValidationRule(
    value = "!has(self.replicas) || self.replicas == 1 || has(self.storage)",
    message =
        "etcd.managed.storage is required with more than one member (a member that lost its data"
            + " cannot rejoin)")
public class ManagedEtcdSpec {

  @Default("1")
  @Min(1)
  @Max(7)
  @ValidationRule(value = "self % 2 == 1", message = "etcd replicas must be odd")
  @ValidationRule(
      value = "self == oldSelf",
      message = "etcd replicas cannot change after creation (the cluster is bootstrapped once)")
  @JsonPropertyDescription(
      "etcd members: 1, or 3 (or more, odd) to survive the loss of a member. Fixed at creation.")
  private Integer replicas = 1;

  @JsonPropertyDescription(
      "Size of each member's PersistentVolumeClaim, such as 1Gi; without it members keep their"
          + " data in an emptyDir (membership is rebuilt by the workers and the operator after a"
          + " restart).")
  private Quantity storage;

  @JsonPropertyDescription("StorageClass of the claims; the cluster default when empty.")
  private String storageClassName;

  @JsonPropertyDescription("The etcd image; the operator's default etcd image when empty.")
  private String image;

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public Quantity getStorage() {
    return storage;
  }

  public void setStorage(Quantity storage) {
    this.storage = storage;
  }

  public String getStorageClassName() {
    return storageClassName;
  }

  public void setStorageClassName(String storageClassName) {
    this.storageClassName = storageClassName;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }
}
