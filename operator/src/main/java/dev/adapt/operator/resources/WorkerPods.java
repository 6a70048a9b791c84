package dev.adapt.operator.resources;

import dev.adapt.operator.OperatorConfig;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.crd.v1alpha1.WorkerSpec;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Worker pods. All workers of a pipeline are alike: which stage a worker runs is decided at run
 * time through its assignment in etcd, so any worker can replace any other. Pods are replaced,
 * never updated: a pod built from an older template (see {@link Labels#TEMPLATE_HASH}) is rolled.
 */
public final class WorkerPods {

  public static final int GRPC_PORT = 9000;
  public static final int METRICS_PORT = 9090;

  /** Plaintext gRPC health only, for the kubelet, while the gRPC port requires mutual TLS. */
  public static final int HEALTH_PORT = 9091;

  public static final String GPU_RESOURCE = "nvidia.com/gpu";

  private WorkerPods() {}

  /**
   * What every worker pod of the pipeline looks like, apart from its name.
   *
   * @param hash identifies {@code spec}; a pod whose label differs is out of date
   */
  public record Template(InferencePipeline pipeline, PodSpec spec, String hash) {

    public Pod pod(String name) {
      Map<String, String> labels = new LinkedHashMap<>(Labels.of(pipeline, Component.WORKER));
      labels.put(Labels.TEMPLATE_HASH, hash);
      return new PodBuilder()
          .withNewMetadata()
          .withName(name)
          .withNamespace(pipeline.getMetadata().getNamespace())
          .withLabels(labels)
          .endMetadata()
          .withSpec(new PodSpecBuilder(spec).build())
          .build();
    }
  }

  public static Template template(InferencePipeline pipeline, String image) {
    WorkerSpec worker = pipeline.getSpec().getWorker();
    int gpus = OperatorConfig.gpus(pipeline);
    List<Toleration> tolerations =
        new ArrayList<>(Objects.requireNonNullElse(worker.getTolerations(), List.of()));
    if (gpus > 0) {
      // GPU nodes are commonly tainted so that only pods asking for GPUs land there.
      tolerations.add(
          new TolerationBuilder()
              .withKey(GPU_RESOURCE)
              .withOperator("Exists")
              .withEffect("NoSchedule")
              .build());
    }
    int healthPort = PeerTlsSecrets.wanted(pipeline) ? HEALTH_PORT : GRPC_PORT;
    List<Volume> volumes = new ArrayList<>(Volumes.writable());
    volumes.addAll(PeerTlsSecrets.volumes(pipeline, Component.WORKER));
    List<VolumeMount> mounts = new ArrayList<>(Volumes.writableMounts());
    mounts.addAll(PeerTlsSecrets.mounts(pipeline));
    PodSpec spec =
        new PodSpecBuilder()
            .withRestartPolicy("Always")
            .withTerminationGracePeriodSeconds(30L)
            .withEnableServiceLinks(false)
            .withSecurityContext(SecurityContexts.pod())
            .withNodeSelector(Objects.requireNonNullElse(worker.getNodeSelector(), Map.of()))
            .withTolerations(tolerations)
            .addToContainers(
                new ContainerBuilder()
                    .withName("worker")
                    .withImage(image)
                    .withArgs(CommandLines.worker(pipeline))
                    .withEnv(env(pipeline))
                    .addNewPort()
                    .withName("grpc")
                    .withContainerPort(GRPC_PORT)
                    .endPort()
                    .addNewPort()
                    .withName("metrics")
                    .withContainerPort(METRICS_PORT)
                    .endPort()
                    .withStartupProbe(grpcHealth(healthPort, 2, 60))
                    .withReadinessProbe(grpcHealth(healthPort, 5, 2))
                    .withLivenessProbe(grpcHealth(healthPort, 10, 3))
                    .withResources(resources(pipeline, gpus))
                    .withSecurityContext(SecurityContexts.container())
                    .withVolumeMounts(mounts)
                    .build())
            .withVolumes(volumes)
            .build();
    return new Template(pipeline, spec, hash(spec));
  }

  private static List<EnvVar> env(InferencePipeline pipeline) {
    List<EnvVar> env = new ArrayList<>(CommandLines.workerIdentity());
    env.addAll(Objects.requireNonNullElse(pipeline.getSpec().getWorker().getEnv(), List.of()));
    return env;
  }

  private static ResourceRequirements resources(InferencePipeline pipeline, int gpus) {
    ResourceRequirements resources =
        DispatcherResources.resources(pipeline.getSpec().getWorker().getResources());
    if (gpus > 0) {
      // Extended resources are given as limits; Kubernetes sets the equal request.
      resources.getLimits().put(GPU_RESOURCE, new Quantity(String.valueOf(gpus)));
    }
    return resources;
  }

  /** The worker serves the standard gRPC health service (on the health port too, when set). */
  private static Probe grpcHealth(int port, int periodSeconds, int failureThreshold) {
    return new ProbeBuilder()
        .withNewGrpc()
        .withPort(port)
        .endGrpc()
        .withPeriodSeconds(periodSeconds)
        .withTimeoutSeconds(3)
        .withFailureThreshold(failureThreshold)
        .build();
  }

  private static String hash(PodSpec spec) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(Serialization.asJson(spec).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 5);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
