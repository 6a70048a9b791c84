package dev.adapt.core.slice;

import dev.adapt.core.graph.GraphIndex;
import dev.adapt.core.graph.GraphPruner;
import dev.adapt.core.graph.TensorName;
import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.model.TensorSpec;
import dev.adapt.core.plan.Plan;
import dev.adapt.core.plan.Stage;
import dev.adapt.core.security.OpAllowlist;
import dev.adapt.proto.v1.SliceTensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Cuts a loaded model into the slices of a plan. Each slice holds only the operations between its
 * input and output tensors; its input becomes a placeholder and its weights are the model's frozen
 * constants.
 */
public final class Slicer {
  private Slicer() {}

  /** All slices of {@code plan}, stage 0 first. */
  public static List<SliceArtifact> slice(LoadedModel model, Plan plan) {
    List<SliceArtifact> slices = new ArrayList<>();
    for (int stage = 0; stage < plan.stageCount(); stage++) {
      slices.add(slice(model, plan, stage));
    }
    return slices;
  }

  /** The slice of one stage of {@code plan}. */
  public static SliceArtifact slice(LoadedModel model, Plan plan, int stage) {
    if (!plan.model().equals(model.source().uri())) {
      throw new IllegalArgumentException(
          "the plan is for " + plan.model() + ", not for " + model.source().uri());
    }
    Stage s = plan.stages().get(stage);
    GraphIndex graph = model.graph();
    TensorName from = s.fromTensor();
    TensorName to = s.toTensor();
    Set<String> ops = GraphPruner.requiredOps(graph, List.of(to), Set.of(from));
    boolean fromModelInput = from.equals(model.inputTensor());
    TensorSpec inputSpec =
        fromModelInput ? model.input() : model.cutPoint(from).orElseThrow().spec();
    TensorSpec outputSpec =
        to.equals(model.outputTensor()) ? model.output() : model.cutPoint(to).orElseThrow().spec();

    // The input becomes a placeholder named after the operation that produced it, unless that
    // name is taken in the slice.
    String placeholder = from.op();
    if (ops.contains(placeholder) || (!fromModelInput && from.index() != 0)) {
      placeholder = uniqueName(graph, ops, from.op() + "/slice_input");
    }
    GraphDef.Builder sliceGraph = GraphDef.newBuilder();
    if (graph.graphDef().hasVersions()) {
      sliceGraph.setVersions(graph.graphDef().getVersions());
    }
    sliceGraph.addNode(placeholder(placeholder, inputSpec));
    String fedInput = new TensorName(placeholder, 0).asInput();
    for (NodeDef node : graph.nodes()) {
      if (!ops.contains(node.getName())) {
        continue;
      }
      NodeDef.Builder copy = node.toBuilder().clearInput();
      for (TensorName in : graph.inputs(node.getName())) {
        copy.addInput(in.equals(from) ? fedInput : in.asInput());
      }
      sliceGraph.addNode(copy);
    }
    SliceTensor input = sliceTensor(new TensorName(placeholder, 0).toString(), s.from(), inputSpec);
    SliceTensor output = sliceTensor(to.toString(), s.to(), outputSpec);
    GraphDef built = sliceGraph.build();
    OpAllowlist.modelOps().check(built, "stage " + stage + " of " + plan.model());
    return SliceArtifact.create(plan.model(), stage, plan.stageCount(), input, output, built);
  }

  private static String uniqueName(GraphIndex graph, Set<String> ops, String base) {
    String name = base;
    for (int i = 1; graph.contains(name) || ops.contains(name); i++) {
      name = base + "_" + i;
    }
    return name;
  }

  private static NodeDef placeholder(String name, TensorSpec spec) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (long dim : spec.shape()) {
      shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(dim));
    }
    return NodeDef.newBuilder()
        .setName(name)
        .setOp("Placeholder")
        .putAttr(
            "dtype",
            AttrValue.newBuilder().setType(DataType.valueOf(spec.dtype().tensorFlowName())).build())
        .putAttr("shape", AttrValue.newBuilder().setShape(shape).build())
        .build();
  }

  private static SliceTensor sliceTensor(String name, String label, TensorSpec spec) {
    SliceTensor.Builder tensor =
        SliceTensor.newBuilder().setName(name).setLabel(label).setDtype(spec.dtype().wire());
    for (long dim : spec.shape()) {
      tensor.addShape(dim);
    }
    return tensor.build();
  }
}
