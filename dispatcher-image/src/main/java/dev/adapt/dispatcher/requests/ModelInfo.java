package dev.adapt.dispatcher.requests;

import dev.adapt.core.model.TensorSpec;
import dev.adapt.core.tensor.DType;
import dev.adapt.core.tensor.HostTensor;
import java.util.Arrays;

/**
 * What the dispatcher serves under one model name: a pipeline carries one input tensor to one
 * output tensor.
 */
public record ModelInfo(
    String name, String version, String platform, TensorSpec input, TensorSpec output) {

  /** True when a client names this model (and, if it names one, this version). */
  public boolean matches(String modelName, String modelVersion) {
    return name.equals(modelName)
        && (modelVersion == null || modelVersion.isEmpty() || version.equals(modelVersion));
  }

  /**
   * Why a client's input tensor does not fit the model's input, or null when it fits: the datatype,
   * the rank and every fixed dimension must match, a request carries at least one row, and its size
   * can be counted (a shape whose byte count overflows is the client's error, not the server's).
   */
  public String inputMismatch(DType type, long[] shape) {
    if (type != input.dtype()) {
      return "input '"
          + input.name()
          + "' has datatype "
          + type.oipName()
          + ", the model expects "
          + input.dtype().oipName();
    }
    boolean fits = input.accepts(type, shape);
    for (int i = 0; fits && i < shape.length; i++) {
      fits = shape[i] >= (i == 0 ? 1 : 0);
    }
    if (!fits) {
      return "input '"
          + input.name()
          + "' has shape "
          + Arrays.toString(shape)
          + ", the model expects "
          + describeShape(input);
    }
    try {
      HostTensor.byteSize(type, shape);
    } catch (ArithmeticException e) {
      return "input '"
          + input.name()
          + "' has shape "
          + Arrays.toString(shape)
          + ", whose size in bytes does not fit in 64 bits";
    }
    return null;
  }

  /** The input as clients write it, e.g. {@code 'x' FP32[*, 4]}. */
  public String describeInput() {
    return "'" + input.name() + "' " + input.dtype().oipName() + describeShape(input);
  }

  private static String describeShape(TensorSpec spec) {
    return Arrays.toString(spec.shape()).replace("-1", "*");
  }

  public InferenceException unknown(String modelName, String modelVersion) {
    String what =
        modelVersion == null || modelVersion.isEmpty()
            ? "model '" + modelName + "'"
            : "model '" + modelName + "' version '" + modelVersion + "'";
    return new InferenceException(
        InferenceException.Kind.NOT_FOUND,
        "unknown " + what + "; this server serves '" + name + "' version '" + version + "'");
  }
}
