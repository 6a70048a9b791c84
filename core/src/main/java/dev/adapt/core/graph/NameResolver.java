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
 * of the operation named exactly so; the single tensor that leaves the scope of the Keras layer so
 * named, where the graph's {@link LayerScopes} are known (layer and scope names differ in Keras 3
 * exports); the single tensor that leaves the name scope so named (all its operations share the
 * scope segment, wherever it sits in their names, e.g. {@code model/conv1_conv/BiasAdd}); or, in
 * graphs without known layers, when no scope is named exactly so, the one scope named so with a
 * numeric suffix.
 */
public final class NameResolver {
  private static final Pattern NUMBER_SUFFIX = Pattern.compile("_\\d+$");

  private final GraphIndex graph;
  private final TensorName output;
  private final LayerScopes layers;
  private final Map<String, Set<String>> opsBySegment = new HashMap<>();
  private final Map<String, Set<String>> segmentsByBase = new HashMap<>();

  public NameResolver(GraphIndex graph, TensorName output) {
    this(graph, output, LayerScopes.none());
  }

  public NameResolver(GraphIndex graph, TensorName output, LayerScopes layers) {
    this.graph = graph;
    this.output = output;
    this.layers = layers;
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
    if (layers.hasLayer(name)) {
      List<String> scopes = layers.scopesOf(name);
      if (scopes.size() > 1) {
        return Resolution.failure(
            "layer '"
                + name
                + "' is called more than once (in scopes "
                + String.join(", ", scopes)
                + "); name the tensor of the call to cut after");
      }
      return leaving(name, layers.opsIn(scopes.get(0)));
    }
    Set<String> scope = opsBySegment.get(name);
    if (scope == null) {
      // Known layers make guessing at suffixed scopes wrong: a suffixed scope is another layer's.
      Set<String> suffixed = layers.isEmpty() ? segmentsByBase.get(name) : null;
      if (suffixed == null) {
        return Resolution.failure(
            "no layer, operation or tensor is named '"
                + name
                + "'"
                + (layers.isEmpty()
                    ? ""
                    : " in the inference graph (a Keras layer that does nothing at inference,"
                        + " such as Dropout, leaves no operation in an exported model)"));
      }
      if (suffixed.size() > 1) {
        return Resolution.failure(
            "'" + name + "' is ambiguous: it could be any of the scopes " + suffixed);
      }
      scope = opsBySegment.get(suffixed.iterator().next());
    }
    return leaving(name, scope);
  }

  private Resolution leaving(String name, Set<String> scope) {
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
      Optional<String> layer =
          layers.layerOf(String.join("/", List.of(segments).subList(0, i + 1)));
      if (layer.isPresent() && resolvesTo(layer.get(), tensor)) {
        return layer.get();
      }
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

  /** The Keras layers of the graph, where known. */
  public LayerScopes layers() {
    return layers;
  }

  private boolean resolvesTo(String name, TensorName tensor) {
    return resolve(name).tensor().map(tensor::equals).orElse(false);
  }
}
