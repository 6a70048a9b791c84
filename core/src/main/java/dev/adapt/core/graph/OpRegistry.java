package dev.adapt.core.graph;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;

/** The definitions of the operations the TensorFlow runtime knows, by type name. */
public final class OpRegistry {
  private static volatile OpRegistry registered;

  private final Map<String, OpDef> ops = new HashMap<>();

  public OpRegistry(List<OpDef> opDefs) {
    for (OpDef op : opDefs) {
      ops.put(op.getName(), op);
    }
  }

  /** The operations registered in the loaded TensorFlow runtime. */
  public static OpRegistry registered() {
    OpRegistry result = registered;
    if (result == null) {
      synchronized (OpRegistry.class) {
        result = registered;
        if (result == null) {
          result = new OpRegistry(TensorFlow.registeredOpList().getOpList());
          registered = result;
        }
      }
    }
    return result;
  }

  public OpDef opDef(String type) {
    OpDef op = ops.get(type);
    if (op == null) {
      throw new IllegalArgumentException("unknown TensorFlow operation type " + type);
    }
    return op;
  }

  /**
   * How many tensors each output argument of {@code node} stands for: 1, the value of its number
   * attribute, or the length of its type-list attribute.
   */
  public static int[] outputArgSizes(OpDef op, NodeDef node) {
    int[] sizes = new int[op.getOutputArgCount()];
    for (int i = 0; i < sizes.length; i++) {
      OpDef.ArgDef arg = op.getOutputArg(i);
      if (!arg.getNumberAttr().isEmpty()) {
        sizes[i] = (int) attr(op, node, arg.getNumberAttr()).getI();
      } else if (!arg.getTypeListAttr().isEmpty()) {
        sizes[i] = attr(op, node, arg.getTypeListAttr()).getList().getTypeCount();
      } else {
        sizes[i] = 1;
      }
    }
    return sizes;
  }

  private static AttrValue attr(OpDef op, NodeDef node, String name) {
    AttrValue value = node.getAttrMap().get(name);
    if (value != null) {
      return value;
    }
    for (OpDef.AttrDef attr : op.getAttrList()) {
      if (attr.getName().equals(name) && attr.hasDefaultValue()) {
        return attr.getDefaultValue();
      }
    }
    throw new IllegalArgumentException(
        node.getName() + " (" + node.getOp() + ") has no attribute " + name);
  }
}
