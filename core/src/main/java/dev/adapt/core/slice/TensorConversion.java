package dev.adapt.core.slice;

import dev.adapt.core.tensor.DType;
import dev.adapt.core.tensor.HostTensor;
import org.tensorflow.RawTensor;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;
import org.tensorflow.types.family.TType;

/** Copies tensors between host memory and TensorFlow, as raw little-endian bytes. */
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
      tensor.asRawTensor().data().write(host.toByteArray());
      return tensor;
    } catch (RuntimeException e) {
      tensor.close();
      throw e;
    }
  }

  /** A host copy of {@code tensor}. */
  static HostTensor toHost(Tensor tensor) {
    DType dtype =
        DType.fromTensorFlowName(tensor.dataType().name())
            .orElseThrow(
                () -> new IllegalStateException("cannot carry a " + tensor.dataType() + " tensor"));
    RawTensor raw = tensor.asRawTensor();
    byte[] bytes = new byte[Math.toIntExact(raw.numBytes())];
    raw.data().read(bytes);
    return HostTensor.of(dtype, tensor.shape().asArray(), bytes);
  }
}
