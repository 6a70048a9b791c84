package dev.adapt.core.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * Look-up tables over the nodes of a flat GraphDef: nodes by name, their data inputs, and the
 * consumers of every tensor. Control inputs are ignored: frozen inference graphs need none.
 */
public final class GraphIndex {
  private final GraphDef graphDef;
  private final Map<String, NodeDef> nodes = new LinkedHashMap<>();
  private final Map<String, Integer> order = new HashMap<>();
  private final Map<String, List<TensorName>> inputs = new HashMap<>();
  private final Map<TensorName, List<String>> consumers = new HashMap<>();
  private final Map<String, SortedSet<TensorName>> readOutputs = new HashMap<>();

  public GraphIndex(GraphDef graphDef) {
    this.graphDef = graphDef;
    for (NodeDef node : graphDef.getNodeList()) {
      if (nodes.putIfAbsent(node.getName(), node) != null) {
        throw new IllegalArgumentException("graph has two nodes named " + node.getName());
      }
      order.put(node.getName(), order.size());
    }
    for (NodeDef node : graphDef.getNodeList()) {
      List<TensorName> data = new ArrayList<>();
      for (String input : node.getInputList()) {
        if (input.startsWith("^")) {
          continue;
        }
        TensorName tensor = TensorName.parse(input);
        data.add(tensor);
        consumers.computeIfAbsent(tensor, t -> new ArrayList<>()).add(node.getName());
        readOutputs.computeIfAbsent(tensor.op(), op -> new TreeSet<>()).add(tensor);
      }
      inputs.put(node.getName(), List.copyOf(data));
    }
  }

  public GraphDef graphDef() {
    return graphDef;
  }

  public boolean contains(String op) {
    return nodes.containsKey(op);
  }

  public NodeDef node(String op) {
    NodeDef node = nodes.get(op);
    if (node == null) {
      throw new IllegalArgumentException("no operation named " + op);
    }
    return node;
  }

  /** The nodes in the GraphDef's order. */
  public Iterable<NodeDef> nodes() {
    return nodes.values();
  }

  public int size() {
    return nodes.size();
  }

  /** The position of an operation in the GraphDef: the tie-breaker for deterministic orders. */
  public int order(String op) {
    Integer position = order.get(op);
    if (position == null) {
      throw new IllegalArgumentException("no operation named " + op);
    }
    return position;
  }

  /** Data inputs of an operation, in argument order. */
  public List<TensorName> inputs(String op) {
    List<TensorName> data = inputs.get(op);
    if (data == null) {
      throw new IllegalArgumentException("no operation named " + op);
    }
    return data;
  }

  /** Operations that read {@code tensor} (once per reading argument). */
  public List<String> consumers(TensorName tensor) {
    return consumers.getOrDefault(tensor, Collections.emptyList());
  }

  /** Tensors of {@code op} that some operation reads, by output index. */
  public List<TensorName> consumedOutputs(String op) {
    return List.copyOf(readOutputs.getOrDefault(op, Collections.emptySortedSet()));
  }
}
