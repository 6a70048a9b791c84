package dev.adapt.core.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.FunctionDefLibrary;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;

class FunctionInlinerTest {
  private static final AttrValue FLOAT = AttrValue.newBuilder().setType(DataType.DT_FLOAT).build();

  private static NodeDef node(String name, String op, String... inputs) {
    return NodeDef.newBuilder()
        .setName(name)
        .setOp(op)
        .addAllInput(List.of(inputs))
        .putAttr("T", FLOAT)
        .build();
  }

  private static NodeDef call(String name, String function, String... inputs) {
    return NodeDef.newBuilder()
        .setName(name)
        .setOp("StatefulPartitionedCall")
        .addAllInput(List.of(inputs))
        .putAttr(
            "f",
            AttrValue.newBuilder().setFunc(NameAttrList.newBuilder().setName(function)).build())
        .build();
  }

  private static OpDef.ArgDef arg(String name) {
    return OpDef.ArgDef.newBuilder().setName(name).setType(DataType.DT_FLOAT).build();
  }

  /** inner(x) = Split(x)[1] + 0 — an output argument that is the second of a list. */
  private static FunctionDef inner() {
    return FunctionDef.newBuilder()
        .setSignature(
            OpDef.newBuilder().setName("inner").addInputArg(arg("x")).addOutputArg(arg("y")))
        .addNodeDef(NodeDef.newBuilder().setName("axis").setOp("Const").putAttr("dtype", FLOAT))
        .addNodeDef(
            NodeDef.newBuilder()
                .setName("split")
                .setOp("Split")
                .addInput("axis:output:0")
                .addInput("x")
                .putAttr("T", FLOAT)
                .putAttr("num_split", AttrValue.newBuilder().setI(2).build()))
        .addNodeDef(node("second", "Identity", "split:output:1", "^axis"))
        .putRet("y", "second:output:0")
        .build();
  }

  /** outer(a, w) = inner(Relu(a)) * w, returning also a itself. */
  private static FunctionDef outer() {
    return FunctionDef.newBuilder()
        .setSignature(
            OpDef.newBuilder()
                .setName("outer")
                .addInputArg(arg("a"))
                .addInputArg(arg("w"))
                .addOutputArg(arg("scaled"))
                .addOutputArg(arg("passthrough")))
        .addNodeDef(node("relu", "Relu", "a"))
        .addNodeDef(
            NodeDef.newBuilder()
                .setName("nested")
                .setOp("PartitionedCall")
                .addInput("relu:activations:0")
                .putAttr(
                    "f",
                    AttrValue.newBuilder()
                        .setFunc(NameAttrList.newBuilder().setName("inner"))
                        .build()))
        .addNodeDef(node("mul", "Mul", "nested:output:0", "w"))
        .putRet("scaled", "mul:z:0")
        .putRet("passthrough", "a")
        .build();
  }

  @Test
  void inlinesNestedCallsAndMapsOutputArgumentsToFlatIndexes() {
    GraphDef graph =
        GraphDef.newBuilder()
            .addNode(node("input", "Placeholder"))
            .addNode(node("weight", "Const"))
            .addNode(call("call", "outer", "input", "weight"))
            .addNode(node("out", "Neg", "call"))
            .addNode(node("out2", "Neg", "call:1"))
            .setLibrary(FunctionDefLibrary.newBuilder().addFunction(outer()).addFunction(inner()))
            .build();

    FunctionInliner.Flattened flat = FunctionInliner.flatten(graph, OpRegistry.registered());
    GraphIndex index = new GraphIndex(flat.graph());

    assertThat(index.contains("call")).isFalse();
    assertThat(index.inputs("call/relu")).containsExactly(TensorName.parse("input"));
    assertThat(index.inputs("call/nested/split"))
        .containsExactly(TensorName.parse("call/nested/axis"), TensorName.parse("call/relu"));
    assertThat(index.inputs("call/nested/second"))
        .as("split:output:1 is the second output of Split")
        .containsExactly(TensorName.parse("call/nested/split:1"));
    assertThat(index.node("call/nested/second").getInputList())
        .as("control inputs are dropped")
        .containsExactly("call/nested/split:1");
    assertThat(index.inputs("call/mul"))
        .containsExactly(TensorName.parse("call/nested/second"), TensorName.parse("weight"));
    assertThat(index.inputs("out")).containsExactly(TensorName.parse("call/mul"));
    assertThat(index.inputs("out2")).containsExactly(TensorName.parse("input"));
    assertThat(flat.resolve(TensorName.parse("call:0"))).isEqualTo(TensorName.parse("call/mul"));
  }

  @Test
  void aCallToAMissingFunctionIsReported() {
    GraphDef graph =
        GraphDef.newBuilder()
            .addNode(node("input", "Placeholder"))
            .addNode(call("call", "absent", "input"))
            .build();

    assertThatThrownBy(() -> FunctionInliner.flatten(graph, OpRegistry.registered()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("calls function absent");
  }
}
