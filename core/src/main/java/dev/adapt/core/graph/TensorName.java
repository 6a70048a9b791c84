package dev.adapt.core.graph;

import java.util.Objects;

/** A tensor of a graph: the {@code index}-th output of operation {@code op}, written "op:index". */
public record TensorName(String op, int index) implements Comparable<TensorName> {

  public TensorName {
    Objects.requireNonNull(op, "op");
    if (op.isEmpty() || index < 0) {
      throw new IllegalArgumentException("invalid tensor " + op + ":" + index);
    }
  }

  /**
   * Parses a GraphDef input or tensor name: {@code "op"} (output 0) or {@code "op:3"}. Control
   * inputs ({@code "^op"}) are not tensors and are rejected.
   */
  public static TensorName parse(String name) {
    if (name.startsWith("^")) {
      throw new IllegalArgumentException("a control input is not a tensor: " + name);
    }
    int colon = name.lastIndexOf(':');
    if (colon > 0 && colon < name.length() - 1 && isDigits(name, colon + 1)) {
      return new TensorName(name.substring(0, colon), Integer.parseInt(name.substring(colon + 1)));
    }
    return new TensorName(name, 0);
  }

  /** Whether {@code name} is written as a tensor ("op:3") rather than as an operation name. */
  public static boolean hasIndex(String name) {
    int colon = name.lastIndexOf(':');
    return colon > 0 && colon < name.length() - 1 && isDigits(name, colon + 1);
  }

  private static boolean isDigits(String s, int from) {
    for (int i = from; i < s.length(); i++) {
      if (!Character.isDigit(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** The name as a GraphDef node input: "op" for output 0, else "op:index". */
  public String asInput() {
    return index == 0 ? op : op + ":" + index;
  }

  @Override
  public int compareTo(TensorName other) {
    int byOp = op.compareTo(other.op);
    return byOp != 0 ? byOp : Integer.compare(index, other.index);
  }

  @Override
  public String toString() {
    return op + ":" + index;
  }
}
