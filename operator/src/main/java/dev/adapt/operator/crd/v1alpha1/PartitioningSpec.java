package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

@ValidationRule(
    value = "has(self.splitAt) != has(self.stages)",
    message = "set exactly one of partitioning.splitAt and partitioning.stages")
public class PartitioningSpec {

  @Size(min = 1, max = 63)
  @JsonPropertyDescription(
      "Named split points in model order (Keras layer names such as conv4_block6_out, or tensor"
          + " names); N split points give N+1 stages. The dispatcher rejects names that are not"
          + " valid cut points and the status lists the valid ones.")
  private List<String> splitAt;

  @Min(1)
  @Max(64)
  @JsonPropertyDescription(
      "The number of stages; the dispatcher chooses balanced split points among the valid cut"
          + " points.")
  private Integer stages;

  public PartitioningSpec() {}

  public static PartitioningSpec balanced(int stages) {
    PartitioningSpec spec = new PartitioningSpec();
    spec.setStages(stages);
    return spec;
  }

  public static PartitioningSpec splitAt(List<String> names) {
    PartitioningSpec spec = new PartitioningSpec();
    spec.setSplitAt(names);
    return spec;
  }

  public List<String> getSplitAt() {
    return splitAt;
  }

  public void setSplitAt(List<String> splitAt) {
    this.splitAt = splitAt;
  }

  public Integer getStages() {
    return stages;
  }

  public void setStages(Integer stages) {
    this.stages = stages;
  }
}
