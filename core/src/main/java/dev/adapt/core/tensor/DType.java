package dev.adapt.core.tensor;

import dev.adapt.proto.v1.DataType;
import java.util.Arrays;
import java.util.Optional;

/**
 * Element types a pipeline can carry, with their names in each protocol that names them.
 *
 * <p>Deliberately free of TensorFlow classes: the operator uses this type without TensorFlow on its
 * class path.
 */
public enum DType {
  FLOAT32(4, "FP32", "DT_FLOAT", DataType.FLOAT32),
  FLOAT64(8, "FP64", "DT_DOUBLE", DataType.FLOAT64),
  FLOAT16(2, "FP16", "DT_HALF", DataType.FLOAT16),
  BFLOAT16(2, "BF16", "DT_BFLOAT16", DataType.BFLOAT16),
  INT8(1, "INT8", "DT_INT8", DataType.INT8),
  INT16(2, "INT16", "DT_INT16", DataType.INT16),
  INT32(4, "INT32", "DT_INT32", DataType.INT32),
  INT64(8, "INT64", "DT_INT64", DataType.INT64),
  UINT8(1, "UINT8", "DT_UINT8", DataType.UINT8),
  BOOL(1, "BOOL", "DT_BOOL", DataType.BOOL);

  private final int byteSize;
  private final String oipName;
  private final String tensorFlowName;
  private final DataType wire;

  DType(int byteSize, String oipName, String tensorFlowName, DataType wire) {
    this.byteSize = byteSize;
    this.oipName = oipName;
    this.tensorFlowName = tensorFlowName;
    this.wire = wire;
  }

  public int byteSize() {
    return byteSize;
  }

  /** The datatype name of the Open Inference Protocol, e.g. {@code FP32}. */
  public String oipName() {
    return oipName;
  }

  /** The name of TensorFlow's {@code DataType} enum constant, e.g. {@code DT_FLOAT}. */
  public String tensorFlowName() {
    return tensorFlowName;
  }

  public DataType wire() {
    return wire;
  }

  public static Optional<DType> fromOipName(String name) {
    return Arrays.stream(values()).filter(t -> t.oipName.equals(name)).findFirst();
  }

  public static Optional<DType> fromTensorFlowName(String name) {
    return Arrays.stream(values()).filter(t -> t.tensorFlowName.equals(name)).findFirst();
  }

  public static DType fromWire(DataType wire) {
    return Arrays.stream(values())
        .filter(t -> t.wire == wire)
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unsupported wire data type " + wire));
  }
}
