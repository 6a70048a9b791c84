package dev.adapt.core.plan;

import dev.adapt.core.graph.GraphIndex;
import dev.adapt.core.graph.TensorName;
import dev.adapt.core.wire.WireEncoding;
import dev.adapt.proto.v1.FloatEncoding;
import java.util.Set;
import org.tensorflow.proto.NodeDef;

/**
 * Expected bytes of an activation on the wire: its raw bytes divided by a compression ratio that
 * depends on the encoding and on the kind of tensor. The ratios are those measured on the built-in
 * ResNet-50's activations (docs/benchmarks.md, "Wire encodings"), in two kinds: dense tensors (such
 * as a residual block's {@code _add}, before the ReLU) and tensors a ReLU produced ({@code _out}),
 * which are 30–49% zeros that LZ4 finds. A fixed table rather than a measurement of each model: the
 * planner only needs to tell a cut that travels smaller from an equivalent one, and the ratios held
 * within ±0.05 across cuts and inputs.
 */
final class WireSizes {
  private static final Set<String> RELUS = Set.of("Relu", "Relu6");
  private static final int MAX_PASS_THROUGH = 8;

  private WireSizes() {}

  /** Raw bytes per wire byte of a tensor of this kind in this encoding. */
  static double ratio(WireEncoding encoding, boolean afterRelu) {
    boolean half = encoding.floats() != FloatEncoding.FLOAT_ENCODING_EXACT;
    boolean bfloat = encoding.floats() == FloatEncoding.FLOAT_ENCODING_BFLOAT16;
    return switch (encoding.compression()) {
      case COMPRESSION_LZ4 ->
          half ? (afterRelu ? (bfloat ? 2.61 : 2.34) : 1.99) : (afterRelu ? 1.38 : 1.0);
      case COMPRESSION_SHUFFLE_LZ4 ->
          half
              ? (afterRelu ? (bfloat ? 2.65 : 2.22) : (bfloat ? 2.38 : 1.99))
              : (afterRelu ? 1.17 : 1.08);
      default -> half ? 2.0 : 1.0;
    };
  }

  /** Expected wire bytes of {@code rawBytes} of {@code tensor} (0 when the size is unknown). */
  static long of(GraphIndex graph, TensorName tensor, long rawBytes, WireEncoding encoding) {
    if (rawBytes <= 0) {
      return 0;
    }
    return Math.round(rawBytes / ratio(encoding, afterRelu(graph, tensor)));
  }

  /** Whether a ReLU produced the tensor, through Identity ops (Keras names them so). */
  static boolean afterRelu(GraphIndex graph, TensorName tensor) {
    TensorName current = tensor;
    for (int i = 0; i <= MAX_PASS_THROUGH && graph.contains(current.op()); i++) {
      NodeDef node = graph.node(current.op());
      if (RELUS.contains(node.getOp())) {
        return true;
      }
      if (!node.getOp().equals("Identity") || graph.inputs(current.op()).isEmpty()) {
        return false;
      }
      current = graph.inputs(current.op()).get(0);
    }
    return false;
  }
}
