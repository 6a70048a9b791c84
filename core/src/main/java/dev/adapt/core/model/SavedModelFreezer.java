package dev.adapt.core.model;

import com.google.protobuf.ByteString;
import dev.adapt.core.graph.FunctionInliner;
import dev.adapt.core.graph.GraphIndex;
import dev.adapt.core.graph.GraphPruner;
import dev.adapt.core.graph.LayerScopes;
import dev.adapt.core.graph.OpRegistry;
import dev.adapt.core.graph.TensorName;
import dev.adapt.core.graph.TensorShapes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Turns one signature of a loaded SavedModel into a flat, frozen inference graph: function calls
 * inlined, every variable read replaced by a constant holding the restored value, and everything
 * not between the signature's input and output removed.
 *
 * <p>Works for TF2 SavedModels (computation in functions, resource variables captured as call
 * inputs and read with {@code ReadVariableOp}) and TF1-style graphs (operations in the main graph,
 * reference variables {@code VariableV2}, as TensorFlow Java's exporter writes them).
 */
final class SavedModelFreezer {
  private static final Set<String> REF_VARIABLES = Set.of("VariableV2", "Variable");
  private static final Set<String> FORBIDDEN =
      Set.of(
          "If",
          "StatelessIf",
          "While",
          "StatelessWhile",
          "Case",
          "StatelessCase",
          "For",
          "PartitionedCall",
          "StatefulPartitionedCall");
  private static final int VALUES_PER_FETCH = 64;

  /**
   * The frozen graph and its input and output tensors in it; the Keras layers found in it; and
   * every name scope segment of the SavedModel, inference graph or not (to tell a user that a layer
   * exists but was left out of the serving graph).
   */
  record Frozen(
      GraphDef graph,
      TensorName input,
      TensorName output,
      LayerScopes layers,
      Set<String> savedModelScopes) {}

  private SavedModelFreezer() {}

  static Frozen freeze(SavedModelBundle bundle, TensorName input, TensorName output) {
    GraphDef main = bundle.metaGraphDef().getGraphDef();
    GraphIndex mainIndex = new GraphIndex(main);
    Set<String> used = GraphPruner.requiredOps(mainIndex, List.of(output), Set.of(input));
    used.add(input.op());
    GraphDef usedMain =
        GraphPruner.keep(mainIndex, used).toBuilder().setLibrary(main.getLibrary()).build();

    FunctionInliner.Flattened flat = FunctionInliner.flatten(usedMain, OpRegistry.registered());
    TensorName flatInput = flat.resolve(input);
    TensorName flatOutput = flat.resolve(output);
    GraphIndex flatIndex = new GraphIndex(flat.graph());
    Set<String> needed = neededOps(flatIndex, flatInput, flatOutput);

    Map<String, String> variableOfRead = new LinkedHashMap<>();
    for (NodeDef node : flatIndex.nodes()) {
      if (!needed.contains(node.getName())) {
        continue;
      }
      if (REF_VARIABLES.contains(node.getOp())) {
        variableOfRead.put(node.getName(), node.getName());
      } else if (node.getOp().equals("ReadVariableOp")) {
        variableOfRead.put(node.getName(), variableHandle(flatIndex, node));
      }
    }
    Map<String, NodeDef> constants = readValues(bundle, flatIndex, variableOfRead);

    GraphDef.Builder frozen = GraphDef.newBuilder();
    if (flat.graph().hasVersions()) {
      frozen.setVersions(flat.graph().getVersions());
    }
    for (NodeDef node : flatIndex.nodes()) {
      if (needed.contains(node.getName())) {
        frozen.addNode(constants.getOrDefault(node.getName(), node));
      }
    }
    GraphIndex frozenIndex = new GraphIndex(frozen.build());
    Set<String> kept = neededOps(frozenIndex, flatInput, flatOutput);
    GraphDef result = GraphPruner.keep(frozenIndex, kept);
    checkFrozen(new GraphIndex(result), flatInput);
    GraphIndex resultIndex = new GraphIndex(result);
    return new Frozen(
        result,
        flatInput,
        flatOutput,
        LayerScopes.infer(resultIndex, variableNames(flatIndex, variableOfRead)),
        scopeSegments(main));
  }

  /** The variables' own names (as their layers named them), by the operation that read them. */
  private static Map<String, String> variableNames(
      GraphIndex flat, Map<String, String> variableOfRead) {
    Map<String, String> names = new LinkedHashMap<>();
    variableOfRead.forEach(
        (read, variable) -> {
          NodeDef handle = flat.node(variable);
          String shared =
              handle.containsAttr("shared_name")
                  ? handle.getAttrOrThrow("shared_name").getS().toStringUtf8()
                  : "";
          names.put(read, shared.isEmpty() ? variable : shared);
        });
    return names;
  }

  private static Set<String> scopeSegments(GraphDef main) {
    Set<String> segments = new HashSet<>();
    main.getNodeList().forEach(node -> segments.addAll(List.of(node.getName().split("/"))));
    for (FunctionDef function : main.getLibrary().getFunctionList()) {
      function
          .getNodeDefList()
          .forEach(node -> segments.addAll(List.of(node.getName().split("/"))));
    }
    return segments;
  }

  private static Set<String> neededOps(GraphIndex graph, TensorName input, TensorName output) {
    Set<String> needed = GraphPruner.requiredOps(graph, List.of(output), Set.of(input));
    needed.add(input.op());
    return needed;
  }

  /** The variable a {@code ReadVariableOp} reads, following Identity ops on the handle. */
  private static String variableHandle(GraphIndex graph, NodeDef read) {
    TensorName handle = graph.inputs(read.getName()).get(0);
    for (int hops = 0; hops < 100; hops++) {
      NodeDef producer = graph.node(handle.op());
      switch (producer.getOp()) {
        case "VarHandleOp":
          return producer.getName();
        case "Identity":
          handle = graph.inputs(producer.getName()).get(0);
          break;
        default:
          throw new ModelLoadException(
              read.getName()
                  + " reads a variable through "
                  + producer.getName()
                  + " ("
                  + producer.getOp()
                  + "), which cannot be frozen");
      }
    }
    throw new ModelLoadException(
        read.getName() + " reads a variable through too many Identity ops");
  }

  private static Map<String, NodeDef> readValues(
      SavedModelBundle bundle, GraphIndex flat, Map<String, String> variableOfRead) {
    Graph graph = bundle.graph();
    Session session = bundle.session();
    // One fetchable tensor per distinct variable: reference variables are fetched directly,
    // resource
    // variables through a ReadVariableOp added to the loaded graph.
    Map<String, String> fetchOfVariable = new LinkedHashMap<>();
    int added = 0;
    for (String variable : new LinkedHashSet<>(variableOfRead.values())) {
      GraphOperation op = graph.operation(variable);
      if (op == null) {
        throw new ModelLoadException("the loaded graph has no variable " + variable);
      }
      if (REF_VARIABLES.contains(op.type())) {
        fetchOfVariable.put(variable, variable);
      } else {
        DataType dtype = flat.node(variable).getAttrOrThrow("dtype").getType();
        String name = uniqueName(graph, "adapt_freeze/read_" + added++);
        graph
            .opBuilder("ReadVariableOp", name, graph.baseScope())
            .addInput(op.output(0))
            .setAttr("dtype", dtype)
            .build();
        fetchOfVariable.put(variable, name);
      }
    }
    Map<String, TensorProto> values = new HashMap<>();
    List<Map.Entry<String, String>> pending = new ArrayList<>(fetchOfVariable.entrySet());
    for (int from = 0; from < pending.size(); from += VALUES_PER_FETCH) {
      List<Map.Entry<String, String>> batch =
          pending.subList(from, Math.min(pending.size(), from + VALUES_PER_FETCH));
      Session.Runner runner = session.runner();
      batch.forEach(entry -> runner.fetch(entry.getValue()));
      try (Result result = runner.run()) {
        for (int i = 0; i < batch.size(); i++) {
          values.put(batch.get(i).getKey(), toProto(batch.get(i).getKey(), result.get(i)));
        }
      }
    }
    Map<String, NodeDef> constants = new HashMap<>();
    variableOfRead.forEach(
        (read, variable) -> constants.put(read, constant(read, values.get(variable))));
    return constants;
  }

  private static String uniqueName(Graph graph, String base) {
    String name = base;
    for (int i = 1; graph.operation(name) != null; i++) {
      name = base + "_" + i;
    }
    return name;
  }

  static TensorProto toProto(String variable, Tensor tensor) {
    if (TensorShapes.elementSize(tensor.dataType()) < 0) {
      throw new ModelLoadException(
          "variable " + variable + " holds " + tensor.dataType() + ", which cannot be frozen");
    }
    byte[] bytes = new byte[Math.toIntExact(tensor.numBytes())];
    tensor.asRawTensor().data().read(bytes);
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (long dim : tensor.shape().asArray()) {
      shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(dim));
    }
    return TensorProto.newBuilder()
        .setDtype(tensor.dataType())
        .setTensorShape(shape)
        .setTensorContent(ByteString.copyFrom(bytes))
        .build();
  }

  static NodeDef constant(String name, TensorProto value) {
    return NodeDef.newBuilder()
        .setName(name)
        .setOp("Const")
        .putAttr("dtype", AttrValue.newBuilder().setType(value.getDtype()).build())
        .putAttr("value", AttrValue.newBuilder().setTensor(value).build())
        .build();
  }

  private static void checkFrozen(GraphIndex graph, TensorName input) {
    NodeDef placeholder = graph.node(input.op());
    if (!placeholder.getOp().startsWith("Placeholder")) {
      throw new ModelLoadException(
          "the signature's input "
              + input
              + " is a "
              + placeholder.getOp()
              + ", not a Placeholder");
    }
    for (NodeDef node : graph.nodes()) {
      String op = node.getOp();
      if (FORBIDDEN.contains(op)) {
        throw new ModelLoadException(
            "the model uses "
                + op
                + " ("
                + node.getName()
                + "); slicing needs a plain dataflow graph without control flow");
      }
      if (op.startsWith("Placeholder") && !node.getName().equals(input.op())) {
        throw new ModelLoadException(
            "the output also depends on " + node.getName() + ", a second input of the graph");
      }
      if (!op.startsWith("Placeholder") && !op.equals("Const") && TensorFlow.isOpStateful(op)) {
        throw new ModelLoadException(
            "the model uses the stateful operation "
                + op
                + " ("
                + node.getName()
                + "), which a frozen slice cannot hold");
      }
      for (AttrValue attr : node.getAttrMap().values()) {
        if (attr.hasFunc() || attr.getList().getFuncCount() > 0) {
          throw new ModelLoadException(
              "the model's operation " + node.getName() + " (" + op + ") calls a function");
        }
      }
    }
  }
}
