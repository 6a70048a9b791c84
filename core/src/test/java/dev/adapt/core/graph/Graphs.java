package dev.adapt.core.graph;

import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/** Hand-made GraphDefs for tests of the pure graph analysis. */
final class Graphs {
  private final GraphDef.Builder graph = GraphDef.newBuilder();

  Graphs node(String name, String op, String... inputs) {
    NodeDef.Builder node = NodeDef.newBuilder().setName(name).setOp(op);
    for (String input : inputs) {
      node.addInput(input);
    }
    node.putAttr("T", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build());
    graph.addNode(node);
    return this;
  }

  Graphs input(String name) {
    return node(name, "Placeholder");
  }

  Graphs constant(String name) {
    return node(name, "Const");
  }

  GraphIndex index() {
    return new GraphIndex(graph.build());
  }

  static TensorName t(String name) {
    return TensorName.parse(name);
  }
}
