package dev.adapt.core.graph;

import java.util.List;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.NodeDef;

/**
 * Floating-point operations per batch item of the operations that dominate inference cost:
 * convolutions and matrix products (a multiply-add counts as two). Other operations count zero; a
 * measured profile covers them when it matters.
 */
public final class OpCosts {
  private OpCosts() {}

  public static long flopsPerItem(NodeDef node, GraphIndex graph, TensorShapes shapes) {
    List<TensorName> inputs = graph.inputs(node.getName());
    TensorName output = new TensorName(node.getName(), 0);
    return switch (node.getOp()) {
      case "Conv2D" -> conv2d(node, shapes.shape(output), shapes.shape(inputs.get(1)));
      case "DepthwiseConv2dNative" ->
          depthwise(node, shapes.shape(output), shapes.shape(inputs.get(1)));
      case "MatMul" -> matMul(shapes.shape(inputs.get(1)));
      case "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3" ->
          batchMatMul(node, shapes.shape(inputs.get(0)), shapes.shape(inputs.get(1)));
      default -> 0;
    };
  }

  private static long conv2d(NodeDef node, long[] out, long[] kernel) {
    if (!known(out, 4) || !known(kernel, 4)) {
      return 0;
    }
    boolean nchw = "NCHW".equals(attrString(node, "data_format"));
    long outputPixels = nchw ? out[2] * out[3] : out[1] * out[2];
    long outChannels = kernel[3];
    return 2L * outputPixels * outChannels * kernel[0] * kernel[1] * kernel[2];
  }

  private static long depthwise(NodeDef node, long[] out, long[] kernel) {
    if (!known(out, 4) || !known(kernel, 4)) {
      return 0;
    }
    boolean nchw = "NCHW".equals(attrString(node, "data_format"));
    long outputPixels = nchw ? out[2] * out[3] : out[1] * out[2];
    return 2L * outputPixels * kernel[0] * kernel[1] * kernel[2] * kernel[3];
  }

  private static long matMul(long[] b) {
    if (!known(b, 2)) {
      return 0;
    }
    // Per item of the batch (rows of a): one row times b.
    return 2L * b[0] * b[1];
  }

  private static long batchMatMul(NodeDef node, long[] a, long[] b) {
    if (a == null || b == null || a.length < 2 || b.length < 2) {
      return 0;
    }
    boolean adjX = attrBool(node, "adj_x");
    boolean adjY = attrBool(node, "adj_y");
    long m = adjX ? a[a.length - 1] : a[a.length - 2];
    long k = adjX ? a[a.length - 2] : a[a.length - 1];
    long n = adjY ? b[b.length - 2] : b[b.length - 1];
    long batchInner = 1;
    for (int i = 1; i < a.length - 2; i++) {
      batchInner *= a[i];
    }
    if (m < 0 || k < 0 || n < 0 || batchInner < 0) {
      return 0;
    }
    return 2L * batchInner * m * k * n;
  }

  private static boolean known(long[] shape, int rank) {
    if (shape == null || shape.length != rank) {
      return false;
    }
    for (int i = 1; i < rank; i++) {
      if (shape[i] < 0) {
        return false;
      }
    }
    return true;
  }

  private static String attrString(NodeDef node, String name) {
    AttrValue value = node.getAttrMap().get(name);
    return value == null ? "" : value.getS().toStringUtf8();
  }

  private static boolean attrBool(NodeDef node, String name) {
    AttrValue value = node.getAttrMap().get(name);
    return value != null && value.getB();
  }
}
