package dev.adapt.operator;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.resources.EtcdEndpoints;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of one operator installation: the images a pipeline gets when its spec names none, and
 * how the operator itself reaches a pipeline's etcd.
 *
 * @param workerGpuImage may be empty: then a pipeline asking for GPUs must name its GPU image
 * @param operatorNamespace the namespace the operator runs in ({@code POD_NAMESPACE}), which the
 *     managed etcd's NetworkPolicy admits; empty when the operator runs outside the cluster
 */
public record OperatorConfig(
    String workerImage,
    String workerGpuImage,
    String dispatcherImage,
    String etcdImage,
    EtcdEndpoints etcdEndpoints,
    String operatorNamespace) {

  public static final String DEFAULT_WORKER_IMAGE = "ghcr.io/adapt-dev/adapt-worker:0.1.0";
  public static final String DEFAULT_WORKER_GPU_IMAGE = "ghcr.io/adapt-dev/adapt-worker:0.1.0-gpu";
  public static final String DEFAULT_DISPATCHER_IMAGE = "ghcr.io/adapt-dev/adapt-dispatcher:0.1.0";
  public static final String DEFAULT_ETCD_IMAGE = "registry.k8s.io/etcd:3.5.21-0";

  public OperatorConfig {
    Objects.requireNonNull(workerImage, "workerImage");
    workerGpuImage = workerGpuImage == null ? "" : workerGpuImage;
    Objects.requireNonNull(dispatcherImage, "dispatcherImage");
    Objects.requireNonNull(etcdImage, "etcdImage");
    Objects.requireNonNull(etcdEndpoints, "etcdEndpoints");
    operatorNamespace = operatorNamespace == null ? "" : operatorNamespace;
  }

  /** An operator outside the cluster. */
  public OperatorConfig(
      String workerImage,
      String workerGpuImage,
      String dispatcherImage,
      String etcdImage,
      EtcdEndpoints etcdEndpoints) {
    this(workerImage, workerGpuImage, dispatcherImage, etcdImage, etcdEndpoints, "");
  }

  public static OperatorConfig defaults() {
    return new OperatorConfig(
        DEFAULT_WORKER_IMAGE,
        DEFAULT_WORKER_GPU_IMAGE,
        DEFAULT_DISPATCHER_IMAGE,
        DEFAULT_ETCD_IMAGE,
        EtcdEndpoints.IN_CLUSTER);
  }

  /**
   * Reads {@code ADAPT_WORKER_IMAGE}, {@code ADAPT_WORKER_GPU_IMAGE} (set it empty to require every
   * GPU pipeline to name its image), {@code ADAPT_DISPATCHER_IMAGE} and {@code ADAPT_ETCD_IMAGE},
   * falling back to the defaults.
   */
  public static OperatorConfig fromEnvironment(Map<String, String> env) {
    return new OperatorConfig(
        env.getOrDefault("ADAPT_WORKER_IMAGE", DEFAULT_WORKER_IMAGE),
        env.getOrDefault("ADAPT_WORKER_GPU_IMAGE", DEFAULT_WORKER_GPU_IMAGE),
        env.getOrDefault("ADAPT_DISPATCHER_IMAGE", DEFAULT_DISPATCHER_IMAGE),
        env.getOrDefault("ADAPT_ETCD_IMAGE", DEFAULT_ETCD_IMAGE),
        EtcdEndpoints.IN_CLUSTER,
        env.getOrDefault("POD_NAMESPACE", ""));
  }

  public OperatorConfig withWorkerGpuImage(String image) {
    return new OperatorConfig(
        workerImage, image, dispatcherImage, etcdImage, etcdEndpoints, operatorNamespace);
  }

  public OperatorConfig withEtcdEndpoints(EtcdEndpoints endpoints) {
    return new OperatorConfig(
        workerImage, workerGpuImage, dispatcherImage, etcdImage, endpoints, operatorNamespace);
  }

  public OperatorConfig withOperatorNamespace(String namespace) {
    return new OperatorConfig(
        workerImage, workerGpuImage, dispatcherImage, etcdImage, etcdEndpoints, namespace);
  }

  /** The worker image a pipeline runs, GPU or CPU; empty when it asks for GPUs and has none. */
  public String workerImageFor(InferencePipeline pipeline) {
    var worker = pipeline.getSpec().getWorker();
    if (gpus(pipeline) > 0) {
      return nonBlank(worker.getGpuImage()) ? worker.getGpuImage() : workerGpuImage;
    }
    return nonBlank(worker.getImage()) ? worker.getImage() : workerImage;
  }

  public String dispatcherImageFor(InferencePipeline pipeline) {
    String image = pipeline.getSpec().getDispatcher().getImage();
    return nonBlank(image) ? image : dispatcherImage;
  }

  public String etcdImageFor(InferencePipeline pipeline) {
    var managed = pipeline.getSpec().getEtcd().managedOrDefault();
    return managed != null && nonBlank(managed.getImage()) ? managed.getImage() : etcdImage;
  }

  public static int gpus(InferencePipeline pipeline) {
    var resources = pipeline.getSpec().getWorker().getResources();
    return resources == null || resources.getGpu() == null ? 0 : resources.getGpu();
  }

  private static boolean nonBlank(String value) {
    return value != null && !value.isBlank();
  }
}
