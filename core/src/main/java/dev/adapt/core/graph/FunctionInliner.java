package dev.adapt.core.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;

/**
 * Turns a graph whose computation lives in function calls (as TF2 SavedModels store it: the
 * signature's output comes from a {@code StatefulPartitionedCall} into the function library) into
 * one flat graph of primitive operations.
 *
 * <p>Every call is replaced by the body of its function, recursively. Inlined nodes are named
 * {@code <call node>/<node in function>}; function arguments become the tensors the call read, and
 * the call's outputs become the tensors the function returns. Inside a function a tensor is written
 * {@code node:output_arg:index}; the output argument is mapped to a flat output index with the
 * operation's {@link OpDef}. Control inputs, device placements and internal attributes ({@code _…})
 * are dropped: the result is meant for inference, with variables frozen afterwards.
 */
public final class FunctionInliner {
  private static final Set<String> CALL_OPS = Set.of("StatefulPartitionedCall", "PartitionedCall");
  private static final int MAX_DEPTH = 64;

  private final OpRegistry registry;
  private final Map<String, FunctionDef> functions = new HashMap<>();
  private final List<NodeDef> flat = new ArrayList<>();
  private final Map<TensorName, String> callOutputs = new HashMap<>();

  private FunctionInliner(GraphDef graph, OpRegistry registry) {
    this.registry = registry;
    for (FunctionDef function : graph.getLibrary().getFunctionList()) {
      functions.put(function.getSignature().getName(), function);
    }
  }

  /** The result: a graph without calls, and where each former call output now comes from. */
  public record Flattened(GraphDef graph, Map<TensorName, String> callOutputs) {
    /** The flat tensor that {@code tensor} of the original graph stands for. */
    public TensorName resolve(TensorName tensor) {
      TensorName current = tensor;
      for (int hops = 0; hops <= callOutputs.size(); hops++) {
        String target = callOutputs.get(current);
        if (target == null) {
          return current;
        }
        current = TensorName.parse(target);
      }
      throw new IllegalStateException("call outputs refer to each other in a cycle at " + tensor);
    }
  }

  /** Inlines every function call of {@code graph} (the graph should be pruned to what is used). */
  public static Flattened flatten(GraphDef graph, OpRegistry registry) {
    FunctionInliner inliner = new FunctionInliner(graph, registry);
    for (NodeDef node : graph.getNodeList()) {
      if (inliner.isCall(node)) {
        inliner.inlineCall(node.getName(), node, dataInputs(node), 0);
      } else {
        inliner.flat.add(clean(node, node.getName(), dataInputs(node)));
      }
    }
    Flattened partial = new Flattened(GraphDef.getDefaultInstance(), inliner.callOutputs);
    GraphDef.Builder result = GraphDef.newBuilder();
    if (graph.hasVersions()) {
      result.setVersions(graph.getVersions());
    }
    for (NodeDef node : inliner.flat) {
      NodeDef.Builder rewired = node.toBuilder().clearInput();
      for (String input : node.getInputList()) {
        rewired.addInput(partial.resolve(TensorName.parse(input)).asInput());
      }
      result.addNode(rewired);
    }
    return new Flattened(result.build(), Map.copyOf(inliner.callOutputs));
  }

  private boolean isCall(NodeDef node) {
    return CALL_OPS.contains(node.getOp()) || functions.containsKey(node.getOp());
  }

  private FunctionDef functionOf(NodeDef call) {
    String name =
        CALL_OPS.contains(call.getOp())
            ? call.getAttrOrThrow("f").getFunc().getName()
            : call.getOp();
    FunctionDef function = functions.get(name);
    if (function == null) {
      throw new IllegalArgumentException(
          call.getName() + " calls function " + name + ", which the graph's library lacks");
    }
    return function;
  }

  private void inlineCall(String callName, NodeDef call, List<String> inputs, int depth) {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException("function calls nest deeper than " + MAX_DEPTH);
    }
    FunctionDef function = functionOf(call);
    OpDef signature = function.getSignature();
    if (signature.getInputArgCount() != inputs.size()) {
      throw new IllegalArgumentException(
          callName
              + " passes "
              + inputs.size()
              + " inputs to "
              + signature.getName()
              + ", which takes "
              + signature.getInputArgCount());
    }
    Map<String, String> arguments = new HashMap<>();
    for (int i = 0; i < inputs.size(); i++) {
      OpDef.ArgDef arg = signature.getInputArg(i);
      if (!arg.getNumberAttr().isEmpty() || !arg.getTypeListAttr().isEmpty()) {
        throw new IllegalArgumentException(
            "function " + signature.getName() + " takes a list argument " + arg.getName());
      }
      arguments.put(arg.getName(), inputs.get(i));
    }
    Map<String, NodeDef> body = new HashMap<>();
    for (NodeDef node : function.getNodeDefList()) {
      body.put(node.getName(), node);
    }
    String prefix = callName + "/";
    for (NodeDef node : function.getNodeDefList()) {
      List<String> mapped = new ArrayList<>();
      for (String input : node.getInputList()) {
        if (!input.startsWith("^")) {
          mapped.add(bodyTensor(input, arguments, body, prefix, signature.getName()));
        }
      }
      String name = prefix + node.getName();
      if (isCall(node)) {
        inlineCall(name, node, mapped, depth + 1);
      } else {
        flat.add(clean(node, name, mapped));
      }
    }
    for (int k = 0; k < signature.getOutputArgCount(); k++) {
      String outputArg = signature.getOutputArg(k).getName();
      String returned = function.getRetMap().get(outputArg);
      if (returned == null) {
        throw new IllegalArgumentException(
            "function " + signature.getName() + " returns nothing for " + outputArg);
      }
      callOutputs.put(
          new TensorName(callName, k),
          bodyTensor(returned, arguments, body, prefix, signature.getName()));
    }
  }

  /** Maps a tensor written inside a function body to its flat name. */
  private String bodyTensor(
      String input,
      Map<String, String> arguments,
      Map<String, NodeDef> body,
      String prefix,
      String function) {
    String[] parts = input.split(":");
    if (parts.length == 1) {
      String argument = arguments.get(input);
      if (argument == null) {
        throw new IllegalArgumentException(
            "function " + function + " reads " + input + ", which is no argument of it");
      }
      return argument;
    }
    if (parts.length != 3) {
      throw new IllegalArgumentException("function " + function + " has a bad input " + input);
    }
    NodeDef producer = body.get(parts[0]);
    if (producer == null) {
      throw new IllegalArgumentException(
          "function " + function + " reads " + input + " from a node it does not have");
    }
    int index = outputIndex(producer, parts[1], Integer.parseInt(parts[2]), function);
    return new TensorName(prefix + parts[0], index).asInput();
  }

  private int outputIndex(NodeDef producer, String outputArg, int index, String function) {
    if (CALL_OPS.contains(producer.getOp()) && outputArg.equals("output")) {
      // A call's outputs are the one list "output"; its length is the called function's.
      return index;
    }
    OpDef op =
        functions.containsKey(producer.getOp())
            ? functions.get(producer.getOp()).getSignature()
            : registry.opDef(producer.getOp());
    int[] sizes = OpRegistry.outputArgSizes(op, producer);
    int offset = 0;
    for (int i = 0; i < sizes.length; i++) {
      if (op.getOutputArg(i).getName().equals(outputArg)) {
        if (index >= sizes[i]) {
          break;
        }
        return offset + index;
      }
      offset += sizes[i];
    }
    throw new IllegalArgumentException(
        "function "
            + function
            + " reads output "
            + outputArg
            + ":"
            + index
            + " of "
            + producer.getName()
            + " ("
            + producer.getOp()
            + "), which has no such output");
  }

  private static List<String> dataInputs(NodeDef node) {
    List<String> inputs = new ArrayList<>();
    for (String input : node.getInputList()) {
      if (!input.startsWith("^")) {
        inputs.add(input);
      }
    }
    return inputs;
  }

  private static NodeDef clean(NodeDef node, String name, List<String> inputs) {
    NodeDef.Builder copy = node.toBuilder().setName(name).clearInput().addAllInput(inputs);
    copy.clearDevice();
    for (Map.Entry<String, AttrValue> attr : node.getAttrMap().entrySet()) {
      if (attr.getKey().startsWith("_")) {
        copy.removeAttr(attr.getKey());
      }
    }
    return copy.build();
  }
}
