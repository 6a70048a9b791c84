package dev.adapt.core.security;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A graph holds operations that are not model arithmetic (file access, resources, calls), so it is
 * not run. The fault lies with the model or whoever sent the graph, never with the system.
 */
public final class DisallowedOpException extends IllegalArgumentException {
  private static final int NAMED = 5;

  private final transient List<DisallowedOp> ops;

  DisallowedOpException(String graph, List<DisallowedOp> ops) {
    super(message(graph, ops));
    this.ops = List.copyOf(ops);
  }

  /** The refused operations, in graph order. */
  public List<DisallowedOp> ops() {
    return ops;
  }

  /** An operation of a type outside the allowlist: its node name and its type. */
  public record DisallowedOp(String node, String type) {
    @Override
    public String toString() {
      return node + " (" + type + ")";
    }
  }

  private static String message(String graph, List<DisallowedOp> ops) {
    String named =
        ops.stream().limit(NAMED).map(DisallowedOp::toString).collect(Collectors.joining(", "));
    String more = ops.size() > NAMED ? " and " + (ops.size() - NAMED) + " more" : "";
    return graph
        + " holds "
        + (ops.size() == 1 ? "an operation" : ops.size() + " operations")
        + " that a pipeline does not run, as they are not model arithmetic (they can reach files,"
        + " resources or the runtime): "
        + named
        + more;
  }
}
