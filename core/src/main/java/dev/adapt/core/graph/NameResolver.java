package dev.adapt.core.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.tensorflow.proto.NodeDef;

/**
 * Maps the names people write (Keras layer names such as {@code conv4_block6_out}, operation names,
 * tensor names) to tensors of a flat graph, and tensors back to the shortest such name.
 *
 * <p>A name resolves, in this order, to: the tensor itself when written {@code op:index}; output 0
 * of the operation named exactly so; the single tensor that leaves the name scope so named (a Keras
 * layer: all its operations share the scope segment, wherever it sits in their names, e.g. {@code
 * model/conv1_conv/BiasAdd}); or, when no scope is named exactly so, the scope named so with a
 * numeric suffix (Keras 3 names the scopes of a model's second trace {@code conv1_conv_1}).
 */
public final class NameResolver {
  private static final Pattern NUMBER_SUFFIX = Pattern.compile("_\\d+$");

  private final GraphIndex graph;
  private final TensorName output;
  private final Map<String, Set<String>> opsBySegment = new HashMap<>();
  private final Map<String, Set<String>> segmentsByBase = new HashMap<>();

  public NameResolver(GraphIndex graph, TensorName output) {
    this.graph = graph;
    this.output = output;
    for (NodeDef node : graph.nodes()) {
      for (String segment : new LinkedHashSet<>(List.of(node.getName().split("/")))) {
        opsBySegment.computeIfAbsent(segment, s -> new HashSet<>()).add(node.getName());
        String base = NUMBER_SUFFIX.matcher(segment).replaceFirst("");
        if (!base.equals(segment)) {
          segmentsByBase.computeIfAbsent(base, b -> new TreeSet<>()).add(segment);
        }
      }
    }
  }

  /** How a name resolved: the tensor, or why not. */
  public record Resolution(Optional<TensorName> tensor, String problem) {
    static Resolution of(TensorName tensor) {
      return new Resolution(Optional.of(tensor), null);
    }

    static Resolution failure(String problem) {
      return new Resolution(Optional.empty(), problem);
    }
  }

  public Resolution resolve(String name) {
    if (name == null || name.isBlank()) {
      return Resolution.failure("an empty name");
    }
    if (TensorName.hasIndex(name)) {
      TensorName tensor = TensorName.parse(name);
      if (graph.contains(tensor.op())) {
        return Resolution.of(tensor);
      }
    }
    if (graph.contains(name)) {
      return Resolution.of(new TensorName(name, 0));
    }
    Set<String> scope = opsBySegment.get(name);
    if (scope == null) {
      Set<String> suffixed = segmentsByBase.get(name);
      if (suffixed == null) {
        return Resolution.failure("no layer, operation or tensor is named '" + name + "'");
      }
      if (suffixed.size() > 1) {
        return Resolution.failure(
            "'" + name + "' is ambiguous: it could be any of the scopes " + suffixed);
      }
      scope = opsBySegment.get(suffixed.iterator().next());
    }
    List<TensorName> leaving = leavingTensors(scope);
    if (leaving.size() == 1) {
      return Resolution.of(leaving.get(0));
    }
    if (leaving.isEmpty()) {
      return Resolution.failure("no tensor leaves the scope '" + name + "'");
    }
    return Resolution.failure(
        "'"
            + name
            + "' is ambiguous: "
            + leaving.size()
            + " tensors leave that scope ("
            + String.join(", ", leaving.stream().limit(4).map(TensorName::toString).toList())
            + (leaving.size() > 4 ? ", …" : "")
            + ")");
  }

  private List<TensorName> leavingTensors(Set<String> scope) {
    Set<TensorName> leaving = new TreeSet<>();
    for (String op : scope) {
      for (TensorName tensor : graph.consumedOutputs(op)) {
        for (String consumer : graph.consumers(tensor)) {
          if (!scope.contains(consumer)) {
            leaving.add(tensor);
          }
        }
      }
      if (op.equals(output.op())) {
        leaving.add(output);
      }
    }
    return new ArrayList<>(leaving);
  }

  /**
   * A name that resolves back to {@code tensor}: the innermost enclosing scope (layer) name that
   * does, else the operation name for output 0, else the tensor name.
   */
  public String label(TensorName tensor) {
    String[] segments = tensor.op().split("/");
    for (int i = segments.length - 2; i >= 0; i--) {
      String segment = segments[i];
      String base = NUMBER_SUFFIX.matcher(segment).replaceFirst("");
      for (String candidate : base.equals(segment) ? List.of(segment) : List.of(base, segment)) {
        if (resolvesTo(candidate, tensor)) {
          return candidate;
        }
      }
    }
    if (tensor.index() == 0 && resolvesTo(tensor.op(), tensor)) {
      return tensor.op();
    }
    return tensor.toString();
  }

  private boolean resolvesTo(String name, TensorName tensor) {
    return resolve(name).tensor().map(tensor::equals).orElse(false);
  }
}
