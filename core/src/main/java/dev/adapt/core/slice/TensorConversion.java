package dev.adapt.core.slice;

import dev.adapt.core.tensor.DType;
import dev.adapt.core.tensor.HostTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.tensorflow.RawTensor;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataStorageVisitor;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;
import org.tensorflow.types.family.TType;

/**
 * Copies tensors between host memory and TensorFlow, as raw little-endian bytes, with one memory
 * copy each way: a TensorFlow tensor's native memory is viewed as a direct {@link ByteBuffer} and
 * filled from, or read into, the host tensor's buffer in bulk. (TensorFlow Java's own buffer copies
 * from a read-only NIO buffer go byte by byte.)
 */
final class TensorConversion {
  private TensorConversion() {}

  static Class<? extends TType> tensorType(DType dtype) {
    return switch (dtype) {
      case FLOAT32 -> TFloat32.class;
      case FLOAT64 -> TFloat64.class;
      case FLOAT16 -> TFloat16.class;
      case BFLOAT16 -> TBfloat16.class;
      case INT32 -> TInt32.class;
      case INT64 -> TInt64.class;
      case UINT8 -> TUint8.class;
      case BOOL -> TBool.class;
      case INT8, INT16 ->
          throw new IllegalArgumentException("TensorFlow Java has no tensor type for " + dtype);
    };
  }

  /** A new TensorFlow tensor holding a copy of {@code host}; the caller closes it. */
  static Tensor toTensor(HostTensor host) {
    Tensor tensor = Tensor.of(tensorType(host.dtype()), Shape.of(host.shape()), host.byteSize());
    try {
      RawTensor raw = tensor.asRawTensor();
      ByteBuffer memory = nativeMemory(raw);
      if (memory != null) {
        memory.put(host.data());
      } else {
        raw.data().write(host.toByteArray());
      }
      return tensor;
    } catch (RuntimeException e) {
      tensor.close();
      throw e;
    }
  }

  /** A host copy of {@code tensor}. */
  static HostTensor toHost(Tensor tensor) {
    DType dtype = hostType(tensor);
    RawTensor raw = tensor.asRawTensor();
    byte[] bytes = new byte[Math.toIntExact(raw.numBytes())];
    ByteBuffer memory = nativeMemory(raw);
    if (memory != null) {
      memory.get(bytes);
    } else {
      raw.data().read(bytes);
    }
    return HostTensor.of(dtype, tensor.shape().asArray(), bytes);
  }

  /**
   * A host tensor viewing {@code tensor}'s native memory, valid only while the tensor is open; or
   * null when TensorFlow Java does not expose the memory (then {@link #toHost} copies it).
   */
  static HostTensor view(Tensor tensor) {
    DType dtype = hostType(tensor);
    ByteBuffer memory = nativeMemory(tensor.asRawTensor());
    return memory == null ? null : HostTensor.of(dtype, tensor.shape().asArray(), memory);
  }

  private static DType hostType(Tensor tensor) {
    return DType.fromTensorFlowName(tensor.dataType().name())
        .orElseThrow(
            () -> new IllegalStateException("cannot carry a " + tensor.dataType() + " tensor"));
  }

  /**
   * The tensor's native memory as a little-endian direct buffer, valid while the tensor is open; or
   * null when TensorFlow Java does not expose its address.
   */
  private static ByteBuffer nativeMemory(RawTensor raw) {
    long size = raw.numBytes();
    if (size == 0) {
      return null;
    }
    Long address =
        raw.data()
            .accept(
                new DataStorageVisitor<Long>() {
                  @Override
                  public Long visit(long address, long length, long scale) {
                    return length * scale == size || length == size ? address : null;
                  }

                  @Override
                  public Long fallback() {
                    return null;
                  }
                });
    if (address == null || address == 0) {
      return null;
    }
    return new BytePointer(new Address(address))
        .capacity(size)
        .asByteBuffer()
        .order(ByteOrder.LITTLE_ENDIAN);
  }

  /** A JavaCPP pointer to a given address, owning nothing. */
  private static final class Address extends Pointer {
    Address(long value) {
      this.address = value;
    }
  }
}
