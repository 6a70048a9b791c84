package dev.adapt.core.graph;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/** Keeps the part of a graph that computes some tensors, optionally from given feed tensors. */
public final class GraphPruner {
  private GraphPruner() {}

  /**
   * The operations needed to compute {@code outputs} when {@code feeds} are supplied: the producers
   * of fed tensors are not needed on their account.
   */
  public static Set<String> requiredOps(
      GraphIndex graph, Collection<TensorName> outputs, Set<TensorName> feeds) {
    Set<String> required = new HashSet<>();
    Deque<String> pending = new ArrayDeque<>();
    for (TensorName output : outputs) {
      if (!graph.contains(output.op())) {
        throw new IllegalArgumentException("no operation named " + output.op());
      }
      if (!feeds.contains(output) && required.add(output.op())) {
        pending.add(output.op());
      }
    }
    while (!pending.isEmpty()) {
      String op = pending.poll();
      for (TensorName input : graph.inputs(op)) {
        if (!feeds.contains(input) && required.add(input.op())) {
          if (!graph.contains(input.op())) {
            throw new IllegalArgumentException(op + " reads " + input + ", which does not exist");
          }
          pending.add(input.op());
        }
      }
    }
    return required;
  }

  /** The listed nodes, in the graph's order, without control inputs. */
  public static GraphDef keep(GraphIndex graph, Set<String> ops) {
    GraphDef.Builder pruned = GraphDef.newBuilder();
    if (graph.graphDef().hasVersions()) {
      pruned.setVersions(graph.graphDef().getVersions());
    }
    for (NodeDef node : graph.nodes()) {
      if (ops.contains(node.getName())) {
        pruned.addNode(withoutControlInputs(node));
      }
    }
    return pruned.build();
  }

  static NodeDef withoutControlInputs(NodeDef node) {
    boolean hasControl = false;
    for (String input : node.getInputList()) {
      hasControl |= input.startsWith("^");
    }
    if (!hasControl) {
      return node;
    }
    NodeDef.Builder copy = node.toBuilder().clearInput();
    for (String input : node.getInputList()) {
      if (!input.startsWith("^")) {
        copy.addInput(input);
      }
    }
    return copy.build();
  }
}
