package dev.adapt.core.security;

import dev.adapt.core.security.DisallowedOpException.DisallowedOp;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * The operation types a slice may hold. A TensorFlow graph is a program, not data: some of its
 * operations read and write files or reach the runtime's state, so a worker that ran any graph it
 * is sent would hand its pod's file system to whoever reaches its port. The planner checks every
 * plan against this list and every worker checks again before it loads a slice, trusting nobody
 * upstream.
 */
public final class OpAllowlist {
  private static final String RESOURCE = "model-ops.txt";
  private static final OpAllowlist MODEL_OPS = load();

  private final Set<String> allowed;

  private OpAllowlist(Collection<String> allowed) {
    this.allowed = Set.copyOf(allowed);
  }

  /** The numeric, array, neural-network and lowered control-flow operations of models. */
  public static OpAllowlist modelOps() {
    return MODEL_OPS;
  }

  public boolean allows(String opType) {
    return allowed.contains(opType);
  }

  /**
   * Checks every node of {@code graph}, those of its function library included.
   *
   * @param what names the graph in the error, e.g. "slice 2 of resnet50"
   * @throws DisallowedOpException naming each node whose type is not allowed
   */
  public void check(GraphDef graph, String what) {
    List<DisallowedOp> refused = new ArrayList<>();
    collect(graph.getNodeList(), "", refused);
    for (FunctionDef function : graph.getLibrary().getFunctionList()) {
      collect(function.getNodeDefList(), function.getSignature().getName() + "/", refused);
    }
    throwIfAny(what, refused);
  }

  /**
   * Checks {@code nodes}, for example the part of a model's graph that inference runs.
   *
   * @throws DisallowedOpException naming each node whose type is not allowed
   */
  public void check(Iterable<NodeDef> nodes, String what) {
    List<DisallowedOp> refused = new ArrayList<>();
    collect(nodes, "", refused);
    throwIfAny(what, refused);
  }

  private static void throwIfAny(String what, List<DisallowedOp> refused) {
    if (!refused.isEmpty()) {
      throw new DisallowedOpException(what, refused);
    }
  }

  private void collect(Iterable<NodeDef> nodes, String prefix, List<DisallowedOp> refused) {
    for (NodeDef node : nodes) {
      if (!allows(node.getOp())) {
        refused.add(new DisallowedOp(prefix + node.getName(), node.getOp()));
      }
    }
  }

  private static OpAllowlist load() {
    try (InputStream in = OpAllowlist.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the class path");
      }
      List<String> types = new ArrayList<>();
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        int comment = line.indexOf('#');
        String type = (comment >= 0 ? line.substring(0, comment) : line).strip();
        if (!type.isEmpty()) {
          types.add(type);
        }
      }
      return new OpAllowlist(types);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }
}
