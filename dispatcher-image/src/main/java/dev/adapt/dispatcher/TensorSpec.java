package dev.adapt.dispatcher;

import dev.adapt.core.tensor.DType;
import java.util.Arrays;

/**
 * A model input or output as clients see it. A dimension of -1 is free (the first one is the batch
 * dimension).
 */
public record TensorSpec(String name, DType dtype, long[] shape) {

  public TensorSpec {
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /**
   * Checks a client tensor against this spec and returns why it does not fit, or null when it fits.
   */
  public String mismatch(DType actualType, long[] actualShape) {
    if (actualType != dtype) {
      return "input '"
          + name
          + "' has datatype "
          + actualType.oipName()
          + ", the model expects "
          + dtype.oipName();
    }
    boolean fits = actualShape.length == shape.length;
    for (int i = 0; fits && i < shape.length; i++) {
      boolean free = shape[i] < 0;
      fits = actualShape[i] >= (i == 0 ? 1 : 0) && (free || actualShape[i] == shape[i]);
    }
    return fits
        ? null
        : "input '"
            + name
            + "' has shape "
            + Arrays.toString(actualShape)
            + ", the model expects "
            + describeShape();
  }

  public String describeShape() {
    return Arrays.toString(shape).replace("-1", "*");
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TensorSpec that
        && name.equals(that.name)
        && dtype == that.dtype
        && Arrays.equals(shape, that.shape);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * name.hashCode() + dtype.hashCode()) + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + ":" + dtype.oipName() + describeShape();
  }
}
