package dev.adapt.core.model;

import dev.adapt.core.tensor.DType;
import java.util.Arrays;
import java.util.Objects;

/**
 * A named tensor's element type and static shape; -1 marks an unknown dimension (the batch).
 *
 * @param name the TensorFlow tensor name ({@code op:index}) inside graphs and slices; the name in
 *     the model's signature where a served model shows it to clients
 */
public record TensorSpec(String name, DType dtype, long[] shape) {

  public TensorSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dtype, "dtype");
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** The same tensor under another name. */
  public TensorSpec withName(String newName) {
    return new TensorSpec(newName, dtype, shape);
  }

  /**
   * Whether a tensor of this type and shape fits: the same type and rank, and every dimension that
   * is not free (-1) equal.
   */
  public boolean accepts(DType actualType, long[] actualShape) {
    if (actualType != dtype || actualShape.length != shape.length) {
      return false;
    }
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] >= 0 && actualShape[i] != shape[i]) {
        return false;
      }
    }
    return true;
  }

  /** Bytes of one batch item (the shape without its first dimension), or -1 if unknown. */
  public long bytesPerItem() {
    long bytes = dtype.byteSize();
    for (int i = 1; i < shape.length; i++) {
      if (shape[i] < 0) {
        return -1;
      }
      bytes = Math.multiplyExact(bytes, shape[i]);
    }
    return bytes;
  }

  /** The shape of a batch of {@code batchSize} items. */
  public long[] batchShape(long batchSize) {
    long[] batch = shape.clone();
    if (batch.length == 0) {
      throw new IllegalStateException(name + " is a scalar and has no batch dimension");
    }
    batch[0] = batchSize;
    for (long dim : batch) {
      if (dim < 0) {
        throw new IllegalStateException(name + " has an unknown dimension: " + this);
      }
    }
    return batch;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TensorSpec spec
        && name.equals(spec.name)
        && dtype == spec.dtype
        && Arrays.equals(shape, spec.shape);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, dtype, Arrays.hashCode(shape));
  }

  @Override
  public String toString() {
    return name + " " + dtype + Arrays.toString(shape).replace("-1", "?");
  }
}
