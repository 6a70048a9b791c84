package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

public class TransportSpec {

  public enum Compression {
    @JsonProperty("lz4")
    LZ4,
    @JsonProperty("none")
    NONE;

    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  @Default("lz4")
  @JsonPropertyDescription("Compression of activations between stages: lz4 (the default) or none.")
  private Compression compression = Compression.LZ4;

  public Compression getCompression() {
    return compression;
  }

  public void setCompression(Compression compression) {
    this.compression = compression;
  }
}
