package dev.adapt.core.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * A dense tensor in host memory: little-endian elements in row-major order. The first dimension is
 * the batch dimension wherever a pipeline batches.
 *
 * <p>The buffer is read-only and positioned at zero; every view handed out is a fresh duplicate, so
 * a tensor can be shared between threads.
 */
public final class HostTensor {
  private final DType dtype;
  private final long[] shape;
  private final ByteBuffer data;

  private HostTensor(DType dtype, long[] shape, ByteBuffer data) {
    this.dtype = dtype;
    this.shape = shape;
    this.data = data;
  }

  /** Wraps {@code data} (not copied); its remaining bytes must match the shape exactly. */
  public static HostTensor of(DType dtype, long[] shape, ByteBuffer data) {
    long expected = byteSize(dtype, shape);
    if (data.remaining() != expected) {
      throw new IllegalArgumentException(
          "tensor of type "
              + dtype
              + " and shape "
              + Arrays.toString(shape)
              + " needs "
              + expected
              + " bytes, got "
              + data.remaining());
    }
    return new HostTensor(
        dtype, shape.clone(), data.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN));
  }

  public static HostTensor of(DType dtype, long[] shape, byte[] data) {
    return of(dtype, shape, ByteBuffer.wrap(data));
  }

  public static HostTensor ofFloats(long[] shape, float[] values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(values);
    return of(DType.FLOAT32, shape, buffer);
  }

  public static long elementCount(long[] shape) {
    long count = 1;
    for (long dim : shape) {
      if (dim < 0) {
        throw new IllegalArgumentException(
            "shape has an unknown dimension: " + Arrays.toString(shape));
      }
      count = Math.multiplyExact(count, dim);
    }
    return count;
  }

  public static long byteSize(DType dtype, long[] shape) {
    return Math.multiplyExact(elementCount(shape), (long) dtype.byteSize());
  }

  public DType dtype() {
    return dtype;
  }

  public long[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public long dim(int index) {
    return shape[index];
  }

  public long elementCount() {
    return elementCount(shape);
  }

  public int byteSize() {
    return data.capacity();
  }

  /** A read-only little-endian view of the elements, positioned at zero. */
  public ByteBuffer data() {
    return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  public byte[] toByteArray() {
    byte[] bytes = new byte[data.capacity()];
    data().get(bytes);
    return bytes;
  }

  public float[] toFloatArray() {
    requireType(DType.FLOAT32);
    float[] values = new float[Math.toIntExact(elementCount())];
    data().asFloatBuffer().get(values);
    return values;
  }

  /** Rows {@code [from, to)} of the batch dimension, sharing this tensor's memory. */
  public HostTensor batchSlice(int from, int to) {
    if (rank() == 0 || from < 0 || to > shape[0] || from > to) {
      throw new IndexOutOfBoundsException(
          "rows [" + from + ", " + to + ") of shape " + Arrays.toString(shape));
    }
    int rowBytes = Math.toIntExact(data.capacity() / Math.max(1, shape[0]));
    long[] rowsShape = shape.clone();
    rowsShape[0] = to - from;
    ByteBuffer view = data();
    view.position(from * rowBytes).limit(to * rowBytes);
    return new HostTensor(dtype, rowsShape, view.slice().order(ByteOrder.LITTLE_ENDIAN));
  }

  /** Stacks tensors of one type and row shape along the batch dimension. */
  public static HostTensor concatBatch(List<HostTensor> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("nothing to concatenate");
    }
    HostTensor first = parts.get(0);
    if (parts.size() == 1) {
      return first;
    }
    long rows = 0;
    int bytes = 0;
    for (HostTensor part : parts) {
      if (part.dtype != first.dtype
          || part.rank() != first.rank()
          || !Arrays.equals(part.shape, 1, part.rank(), first.shape, 1, first.rank())) {
        throw new IllegalArgumentException(
            "cannot batch "
                + part.dtype
                + Arrays.toString(part.shape)
                + " with "
                + first.dtype
                + Arrays.toString(first.shape));
      }
      rows += part.shape[0];
      bytes = Math.addExact(bytes, part.byteSize());
    }
    ByteBuffer joined = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (HostTensor part : parts) {
      joined.put(part.data());
    }
    joined.flip();
    long[] shape = first.shape.clone();
    shape[0] = rows;
    return new HostTensor(
        first.dtype, shape, joined.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN));
  }

  private void requireType(DType expected) {
    if (dtype != expected) {
      throw new IllegalStateException("tensor is " + dtype + ", not " + expected);
    }
  }

  @Override
  public String toString() {
    return "HostTensor[" + dtype + Arrays.toString(shape) + "]";
  }
}
