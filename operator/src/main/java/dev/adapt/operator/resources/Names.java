package dev.adapt.operator.resources;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import java.util.OptionalInt;

/** Names of the objects a pipeline owns, and its identity in etcd. */
public final class Names {

  public static final int ETCD_CLIENT_PORT = 2379;
  public static final int ETCD_PEER_PORT = 2380;
  public static final int ETCD_METRICS_PORT = 2381;

  private static final String WORKER_INFIX = "-worker-";

  private Names() {}

  public static String etcd(InferencePipeline pipeline) {
    return name(pipeline) + "-etcd";
  }

  public static String etcdPeers(InferencePipeline pipeline) {
    return name(pipeline) + "-etcd-peers";
  }

  public static String dispatcher(InferencePipeline pipeline) {
    return name(pipeline) + "-dispatcher";
  }

  public static String worker(InferencePipeline pipeline, int ordinal) {
    return name(pipeline) + WORKER_INFIX + ordinal;
  }

  /** The ordinal of a worker pod name of this pipeline, if it is one. */
  public static OptionalInt workerOrdinal(InferencePipeline pipeline, String podName) {
    String prefix = name(pipeline) + WORKER_INFIX;
    if (!podName.startsWith(prefix)) {
      return OptionalInt.empty();
    }
    String digits = podName.substring(prefix.length());
    if (digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(Character::isDigit)) {
      return OptionalInt.empty();
    }
    return OptionalInt.of(Integer.parseInt(digits));
  }

  /**
   * The pipeline's id in etcd keys ({@code /adapt/pipelines/<id>/}): namespace and name joined by a
   * dot, unambiguous because namespaces contain no dots, and unique in an etcd shared by several
   * namespaces.
   */
  public static String pipelineId(InferencePipeline pipeline) {
    return pipeline.getMetadata().getNamespace() + "." + name(pipeline);
  }

  /** The in-cluster DNS name of a Service of the pipeline's namespace. */
  public static String serviceHost(InferencePipeline pipeline, String service) {
    return service + "." + pipeline.getMetadata().getNamespace() + ".svc";
  }

  private static String name(InferencePipeline pipeline) {
    return pipeline.getMetadata().getName();
  }
}
