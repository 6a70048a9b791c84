package dev.adapt.core.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The paths from a graph's input tensor to its output tensor, and the tensors every such path
 * passes through (the valid cut points: no skip connection crosses them).
 *
 * <p>Only data edges between operations that lie on some input→output path count: constants and
 * weights feed into the paths but start none. The operations and tensors on the paths form a DAG
 * with the input as its only source and the output as its only sink; in any topological order of
 * it, a node lies on every path exactly when no edge jumps over its position.
 */
public final class PathAnalysis {
  private final TensorName input;
  private final TensorName output;
  private final List<String> ops;
  private final Map<String, Integer> opPosition = new HashMap<>();
  private final Map<TensorName, Integer> tensorPosition = new HashMap<>();
  private final List<TensorName> cutPoints;
  private final Map<String, Integer> segmentOfOp = new HashMap<>();

  private PathAnalysis(
      TensorName input, TensorName output, List<Object> order, List<TensorName> cutPoints) {
    this.input = input;
    this.output = output;
    this.cutPoints = List.copyOf(cutPoints);
    List<String> opOrder = new ArrayList<>();
    int segment = 0;
    for (int position = 0; position < order.size(); position++) {
      Object node = order.get(position);
      if (node instanceof String op) {
        opOrder.add(op);
        opPosition.put(op, position);
        segmentOfOp.put(op, segment);
      } else {
        TensorName tensor = (TensorName) node;
        tensorPosition.put(tensor, position);
        if (segment < cutPoints.size() && tensor.equals(cutPoints.get(segment))) {
          segment++;
        }
      }
    }
    this.ops = List.copyOf(opOrder);
  }

  /**
   * Analyses the paths from {@code input} to {@code output}.
   *
   * @throws IllegalArgumentException if the output does not depend on the input
   */
  public static PathAnalysis of(GraphIndex graph, TensorName input, TensorName output) {
    if (input.equals(output)) {
      throw new IllegalArgumentException("the output " + output + " is the input itself");
    }
    Set<TensorName> reachable = forwardFrom(graph, input, output);
    if (!reachable.contains(output)) {
      throw new IllegalArgumentException(
          "the output " + output + " does not depend on the input " + input);
    }
    Set<TensorName> tensors = new HashSet<>();
    Set<String> opsOnPath = new HashSet<>();
    backwardOnPaths(graph, input, output, reachable, tensors, opsOnPath);

    List<Object> order = topologicalOrder(graph, input, output, tensors, opsOnPath);
    Map<Object, Integer> position = new HashMap<>();
    for (int i = 0; i < order.size(); i++) {
      position.put(order.get(i), i);
    }
    // cover[p] > 0 when some edge (u, v) has position(u) < p < position(v).
    int[] cover = new int[order.size() + 1];
    for (String op : opsOnPath) {
      int at = position.get(op);
      for (TensorName in : graph.inputs(op)) {
        Integer from = position.get(in);
        if (from != null) {
          jump(cover, from, at);
        }
      }
      for (TensorName out : outputsOnPath(graph, op, tensors, output)) {
        jump(cover, at, position.get(out));
      }
    }
    List<TensorName> cuts = new ArrayList<>();
    int covered = 0;
    for (int p = 0; p < order.size(); p++) {
      covered += cover[p];
      if (covered == 0
          && order.get(p) instanceof TensorName tensor
          && !tensor.equals(input)
          && !tensor.equals(output)) {
        cuts.add(tensor);
      }
    }
    return new PathAnalysis(input, output, order, cuts);
  }

  private static void jump(int[] cover, int from, int to) {
    if (to - from > 1) {
      cover[from + 1]++;
      cover[to]--;
    }
  }

  private static Set<TensorName> forwardFrom(
      GraphIndex graph, TensorName input, TensorName output) {
    Set<TensorName> reachable = new HashSet<>();
    Set<String> visitedOps = new HashSet<>();
    Deque<TensorName> pending = new ArrayDeque<>();
    reachable.add(input);
    pending.add(input);
    while (!pending.isEmpty()) {
      TensorName tensor = pending.poll();
      if (tensor.equals(output)) {
        continue;
      }
      for (String consumer : graph.consumers(tensor)) {
        if (!visitedOps.add(consumer)) {
          continue;
        }
        List<TensorName> produced = new ArrayList<>(graph.consumedOutputs(consumer));
        if (output.op().equals(consumer) && !produced.contains(output)) {
          produced.add(output);
        }
        for (TensorName out : produced) {
          if (reachable.add(out)) {
            pending.add(out);
          }
        }
      }
    }
    return reachable;
  }

  private static void backwardOnPaths(
      GraphIndex graph,
      TensorName input,
      TensorName output,
      Set<TensorName> reachable,
      Set<TensorName> tensors,
      Set<String> ops) {
    Deque<TensorName> pending = new ArrayDeque<>();
    tensors.add(output);
    pending.add(output);
    while (!pending.isEmpty()) {
      TensorName tensor = pending.poll();
      if (tensor.equals(input) || !ops.add(tensor.op())) {
        continue;
      }
      for (TensorName in : graph.inputs(tensor.op())) {
        if (reachable.contains(in) && tensors.add(in)) {
          pending.add(in);
        }
      }
    }
  }

  private static List<TensorName> outputsOnPath(
      GraphIndex graph, String op, Set<TensorName> tensors, TensorName output) {
    List<TensorName> outputs = new ArrayList<>();
    for (TensorName out : graph.consumedOutputs(op)) {
      if (tensors.contains(out)) {
        outputs.add(out);
      }
    }
    if (output.op().equals(op) && !outputs.contains(output)) {
      outputs.add(output);
    }
    return outputs;
  }

  private static List<Object> topologicalOrder(
      GraphIndex graph,
      TensorName input,
      TensorName output,
      Set<TensorName> tensors,
      Set<String> ops) {
    Map<Object, Integer> waiting = new HashMap<>();
    for (String op : ops) {
      int count = 0;
      for (TensorName in : graph.inputs(op)) {
        if (tensors.contains(in)) {
          count++;
        }
      }
      waiting.put(op, count);
    }
    Comparator<Object> byGraphOrder =
        Comparator.comparingInt(
                (Object node) ->
                    graph.order(node instanceof String op ? op : ((TensorName) node).op()))
            .thenComparingInt(node -> node instanceof String ? -1 : ((TensorName) node).index());
    PriorityQueue<Object> ready = new PriorityQueue<>(byGraphOrder);
    ready.add(input);
    List<Object> order = new ArrayList<>();
    while (!ready.isEmpty()) {
      Object node = ready.poll();
      order.add(node);
      if (node instanceof TensorName tensor) {
        for (String consumer : graph.consumers(tensor)) {
          Integer left = waiting.get(consumer);
          if (left != null) {
            waiting.put(consumer, left - 1);
            if (left == 1) {
              ready.add(consumer);
            }
          }
        }
      } else {
        String op = (String) node;
        ready.addAll(outputsOnPath(graph, op, tensors, output));
      }
    }
    if (order.size() != tensors.size() + ops.size()) {
      throw new IllegalArgumentException("the graph between input and output has a cycle");
    }
    return order;
  }

  public TensorName input() {
    return input;
  }

  public TensorName output() {
    return output;
  }

  /** The valid cut points, from input to output (neither included). */
  public List<TensorName> cutPoints() {
    return cutPoints;
  }

  /** The operations on the input→output paths, in topological order. */
  public List<String> ops() {
    return ops;
  }

  public boolean isOnPath(TensorName tensor) {
    return tensorPosition.containsKey(tensor);
  }

  public boolean isOnPath(String op) {
    return opPosition.containsKey(op);
  }

  /** The position of a path tensor in the topological order, or -1. */
  public int position(TensorName tensor) {
    return tensorPosition.getOrDefault(tensor, -1);
  }

  /**
   * The segment an operation on the paths belongs to: 0 between the input and the first cut point,
   * i between cut point i-1 and cut point i, {@code cutPoints().size()} after the last one.
   */
  public int segment(String op) {
    Integer segment = segmentOfOp.get(op);
    if (segment == null) {
      throw new IllegalArgumentException(op + " is not on a path from input to output");
    }
    return segment;
  }

  /** The cut points before and after a path tensor that is not itself one (either may be null). */
  public TensorName[] enclosingCutPoints(TensorName tensor) {
    int at = position(tensor);
    TensorName before = null;
    TensorName after = null;
    for (TensorName cut : cutPoints) {
      int p = position(cut);
      if (p <= at) {
        before = cut;
      } else if (after == null) {
        after = cut;
      }
    }
    return new TensorName[] {before, after};
  }
}
