package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

public class TransportSpec {

  public enum Compression {
    @JsonProperty("lz4")
    LZ4("lz4"),
    @JsonProperty("shuffle-lz4")
    SHUFFLE_LZ4("shuffle-lz4"),
    @JsonProperty("none")
    NONE("none");

    private final String wireName;

    Compression(String wireName) {
      this.wireName = wireName;
    }

    /** The name the dispatcher's {@code --compression} takes. */
    public String wireName() {
      return wireName;
    }
  }

  public enum FloatEncoding {
    @JsonProperty("exact")
    EXACT,
    @JsonProperty("float16")
    FLOAT16,
    @JsonProperty("bfloat16")
    BFLOAT16;

    /** The name the dispatcher's {@code --float-encoding} takes. */
    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  @Default("lz4")
  @JsonPropertyDescription(
      "Compression of activations between stages, lossless: lz4 (the default), shuffle-lz4"
          + " (each element's bytes transposed before LZ4: smaller than lz4 on floats without"
          + " zeros, such as activations before a ReLU; larger after one) or none.")
  private Compression compression = Compression.LZ4;

  @Default("exact")
  @JsonPropertyDescription(
      "How float32 activations travel between stages: exact (the default), or float16 or"
          + " bfloat16, which are LOSSY (rounded to 16 bits, half the bytes, answers differ"
          + " slightly from the unsplit model). The last stage always answers with exact floats.")
  private FloatEncoding floatEncoding = FloatEncoding.EXACT;

  public Compression getCompression() {
    return compression;
  }

  public void setCompression(Compression compression) {
    this.compression = compression;
  }

  public FloatEncoding getFloatEncoding() {
    return floatEncoding;
  }

  public void setFloatEncoding(FloatEncoding floatEncoding) {
    this.floatEncoding = floatEncoding;
  }
}
