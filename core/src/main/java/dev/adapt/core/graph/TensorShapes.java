package dev.adapt.core.graph;

import java.util.HashMap;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;

/**
 * Static shapes and element types of a graph's tensors, as TensorFlow's shape inference finds them
 * when the graph is imported. Unknown dimensions (the batch) are -1; an unknown rank is null.
 */
public final class TensorShapes {
  /** What TensorFlow knows of one tensor statically. */
  public record Info(DataType dtype, long[] shape) {}

  private final Map<TensorName, Info> infos;

  private TensorShapes(Map<TensorName, Info> infos) {
    this.infos = infos;
  }

  /** Imports {@code graphDef} and records every output of every operation. */
  public static TensorShapes infer(GraphDef graphDef) {
    Map<TensorName, Info> infos = new HashMap<>();
    try (Graph graph = new Graph()) {
      graph.importGraphDef(graphDef);
      var operations = graph.operations();
      while (operations.hasNext()) {
        GraphOperation op = operations.next();
        for (int i = 0; i < op.numOutputs(); i++) {
          Output<?> output = op.output(i);
          Shape shape = output.shape();
          infos.put(
              new TensorName(op.name(), i),
              new Info(output.dataType(), shape.isUnknown() ? null : shape.asArray()));
        }
      }
    }
    return new TensorShapes(infos);
  }

  public Info info(TensorName tensor) {
    Info info = infos.get(tensor);
    if (info == null) {
      throw new IllegalArgumentException("no tensor " + tensor + " in the graph");
    }
    return info;
  }

  /** The shape, or null when its rank is unknown. */
  public long[] shape(TensorName tensor) {
    long[] shape = info(tensor).shape();
    return shape == null ? null : shape.clone();
  }

  public DataType dtype(TensorName tensor) {
    return info(tensor).dtype();
  }

  /** The size of one element of {@code dtype} in bytes, or -1 for variable-size types. */
  public static int elementSize(DataType dtype) {
    return switch (dtype) {
      case DT_FLOAT, DT_INT32, DT_UINT32, DT_QINT32 -> 4;
      case DT_DOUBLE, DT_INT64, DT_UINT64, DT_COMPLEX64 -> 8;
      case DT_HALF, DT_BFLOAT16, DT_INT16, DT_UINT16, DT_QINT16, DT_QUINT16 -> 2;
      case DT_INT8, DT_UINT8, DT_BOOL, DT_QINT8, DT_QUINT8 -> 1;
      case DT_COMPLEX128 -> 16;
      default -> -1;
    };
  }
}
