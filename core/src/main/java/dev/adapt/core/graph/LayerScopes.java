package dev.adapt.core.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.tensorflow.proto.NodeDef;

/**
 * Which name scopes of a flat graph are the scopes of Keras layers, and of which layer.
 *
 * <p>A layer's name and its scope's name differ in the graphs Keras 3 exports: tracing the model
 * again opens every layer's scope under a uniquified name, so layer {@code activation} runs in
 * scope {@code activation_1} and layer {@code activation_1} in {@code activation_1_2}. Reading the
 * scope as the layer would cut in the wrong place. The variables tell the truth: a variable is
 * named after its layer ({@code conv2d_1/kernel}) whatever scope reads it. So the layers' parent
 * scope and whether its scopes carry such a suffix are learnt from the scopes that read variables,
 * and every scope under that parent (weightless layers too) is mapped to its layer by that rule.
 */
public final class LayerScopes {
  private static final Pattern ONE_SUFFIX = Pattern.compile("_\\d+$");

  private final Map<String, List<String>> scopesByLayer;
  private final Map<String, String> layerByScope;
  private final Map<String, Set<String>> opsByScope;

  private LayerScopes(
      Map<String, List<String>> scopesByLayer,
      Map<String, String> layerByScope,
      Map<String, Set<String>> opsByScope) {
    this.scopesByLayer = scopesByLayer;
    this.layerByScope = layerByScope;
    this.opsByScope = opsByScope;
  }

  /** No layer is known: names resolve to scopes as they are written. */
  public static LayerScopes none() {
    return new LayerScopes(Map.of(), Map.of(), Map.of());
  }

  /**
   * Infers the layers of {@code graph} from the variables its operations read.
   *
   * @param variableOfRead for each operation that read a variable (before freezing), the name of
   *     the variable, e.g. {@code conv2d_1/kernel}
   */
  public static LayerScopes infer(GraphIndex graph, Map<String, String> variableOfRead) {
    // For each parent scope: did every layer scope that reads a variable carry a suffix?
    Map<String, Boolean> suffixedByParent = new LinkedHashMap<>();
    variableOfRead.forEach(
        (read, variable) -> {
          String[] path = variable.split("/");
          if (path.length < 2) {
            return;
          }
          String layer = path[path.length - 2];
          Pattern suffixed = Pattern.compile(Pattern.quote(layer) + "_\\d+");
          String[] segments = read.split("/");
          for (int i = segments.length - 1; i >= 0; i--) {
            boolean exact = segments[i].equals(layer);
            if (exact || suffixed.matcher(segments[i]).matches()) {
              String parent = String.join("/", List.of(segments).subList(0, i));
              suffixedByParent.merge(parent, !exact, Boolean::logicalAnd);
              return;
            }
          }
        });
    Map<String, List<String>> scopesByLayer = new LinkedHashMap<>();
    Map<String, String> layerByScope = new HashMap<>();
    Map<String, Set<String>> opsByScope = new HashMap<>();
    for (NodeDef node : graph.nodes()) {
      String name = node.getName();
      suffixedByParent.forEach(
          (parent, suffixed) -> {
            String rest = parent.isEmpty() ? name : stripPrefix(name, parent + "/");
            int slash = rest == null ? -1 : rest.indexOf('/');
            if (slash <= 0) {
              return;
            }
            String segment = rest.substring(0, slash);
            String layer = suffixed ? ONE_SUFFIX.matcher(segment).replaceFirst("") : segment;
            if (suffixed && layer.equals(segment)) {
              return;
            }
            String scope = parent.isEmpty() ? segment : parent + "/" + segment;
            opsByScope.computeIfAbsent(scope, s -> new HashSet<>()).add(name);
            if (layerByScope.putIfAbsent(scope, layer) == null) {
              scopesByLayer.computeIfAbsent(layer, l -> new ArrayList<>()).add(scope);
            }
          });
    }
    return new LayerScopes(scopesByLayer, layerByScope, opsByScope);
  }

  private static String stripPrefix(String name, String prefix) {
    return name.startsWith(prefix) ? name.substring(prefix.length()) : null;
  }

  public boolean isEmpty() {
    return scopesByLayer.isEmpty();
  }

  public boolean hasLayer(String layer) {
    return scopesByLayer.containsKey(layer);
  }

  /** The full scope paths in which {@code layer} runs (more than one for a shared layer). */
  public List<String> scopesOf(String layer) {
    return scopesByLayer.getOrDefault(layer, List.of());
  }

  /** The layer whose scope is the full scope path {@code scope}. */
  public Optional<String> layerOf(String scope) {
    return Optional.ofNullable(layerByScope.get(scope));
  }

  /** The operations inside the full scope path {@code scope}. */
  public Set<String> opsIn(String scope) {
    return opsByScope.getOrDefault(scope, Set.of());
  }

  public Set<String> layers() {
    return scopesByLayer.keySet();
  }
}
