package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

public class BatchingSpec {

  @Default("8")
  @Min(1)
  @Max(1024)
  @JsonPropertyDescription("The largest batch the dispatcher sends through the pipeline.")
  private Integer maxBatchSize = 8;

  @Default("5")
  @Min(0)
  @Max(10000)
  @JsonPropertyDescription(
      "How long a request may wait for others to fill a batch, in milliseconds; 0 sends at once.")
  private Integer maxDelayMillis = 5;

  public Integer getMaxBatchSize() {
    return maxBatchSize;
  }

  public void setMaxBatchSize(Integer maxBatchSize) {
    this.maxBatchSize = maxBatchSize;
  }

  public Integer getMaxDelayMillis() {
    return maxDelayMillis;
  }

  public void setMaxDelayMillis(Integer maxDelayMillis) {
    this.maxDelayMillis = maxDelayMillis;
  }
}
