package dev.adapt.operator.resources;

import dev.adapt.operator.crd.v1alpha1.ComputeResources;
import dev.adapt.operator.crd.v1alpha1.DispatcherServiceSpec;
import dev.adapt.operator.crd.v1alpha1.DispatcherSpec;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * The dispatcher: a Deployment serving the Open Inference Protocol, and its Service. Model and
 * partitioning reach it through the {@code spec} key in etcd; a new image or new settings roll it
 * with a surge, never below the wanted replicas. A model in a claim is mounted read-only.
 */
public final class DispatcherResources {

  public static final String READY_PATH = "/v2/health/ready";
  public static final String LIVE_PATH = "/v2/health/live";
  static final String MODEL_VOLUME = "model";

  private DispatcherResources() {}

  public static Deployment deployment(InferencePipeline pipeline, String image) {
    DispatcherSpec spec = pipeline.getSpec().getDispatcher();
    DispatcherServiceSpec ports = spec.getService();
    ModelLocation model = ModelLocation.of(pipeline.getSpec().getModel().getUri());

    List<Volume> volumes = new ArrayList<>(Volumes.writable());
    List<VolumeMount> mounts = new ArrayList<>(Volumes.writableMounts());
    model
        .claim()
        .ifPresent(
            claim -> {
              volumes.add(
                  new VolumeBuilder()
                      .withName(MODEL_VOLUME)
                      .withNewPersistentVolumeClaim(claim, true)
                      .build());
              mounts.add(
                  new VolumeMountBuilder()
                      .withName(MODEL_VOLUME)
                      .withMountPath(ModelLocation.MOUNT_PATH)
                      .withReadOnly(true)
                      .build());
            });
    volumes.addAll(PeerTlsSecrets.volumes(pipeline, Component.DISPATCHER));
    mounts.addAll(PeerTlsSecrets.mounts(pipeline));
    volumes.addAll(ClientApiSecrets.volumes(pipeline));
    mounts.addAll(ClientApiSecrets.mounts(pipeline));
    String scheme = ClientApiSecrets.scheme(pipeline);

    return new DeploymentBuilder()
        .withMetadata(ObjectMetas.of(pipeline, Names.dispatcher(pipeline), Component.DISPATCHER))
        .withNewSpec()
        .withReplicas(spec.getReplicas())
        .withNewStrategy()
        .withType("RollingUpdate")
        .withNewRollingUpdate()
        .withMaxUnavailable(new IntOrString(0))
        .withMaxSurge(new IntOrString(1))
        .endRollingUpdate()
        .endStrategy()
        .withNewSelector()
        .withMatchLabels(Labels.selector(pipeline, Component.DISPATCHER))
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(Labels.of(pipeline, Component.DISPATCHER))
        .endMetadata()
        .withNewSpec()
        .withSecurityContext(SecurityContexts.pod())
        .withEnableServiceLinks(false)
        .addToContainers(
            new ContainerBuilder()
                .withName("dispatcher")
                .withImage(image)
                .withArgs(CommandLines.dispatcher(pipeline))
                .addNewPort()
                .withName("http")
                .withContainerPort(ports.getHttpPort())
                .endPort()
                .addNewPort()
                .withName("grpc")
                .withContainerPort(ports.getGrpcPort())
                .endPort()
                // Loading and cutting a model takes a while; liveness waits for the first start.
                // The health paths stay open when tokens are required; with client TLS they are
                // probed over HTTPS (the kubelet does not verify the certificate).
                .withStartupProbe(http(LIVE_PATH, scheme, 5, 60))
                .withReadinessProbe(http(READY_PATH, scheme, 5, 3))
                .withLivenessProbe(http(LIVE_PATH, scheme, 10, 3))
                .withResources(resources(spec.getResources()))
                .withSecurityContext(SecurityContexts.container())
                .withVolumeMounts(mounts)
                .build())
        .withVolumes(volumes)
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  public static Service service(InferencePipeline pipeline) {
    DispatcherServiceSpec ports = pipeline.getSpec().getDispatcher().getService();
    return new ServiceBuilder()
        .withMetadata(ObjectMetas.of(pipeline, Names.dispatcher(pipeline), Component.DISPATCHER))
        .withNewSpec()
        .withType(ports.getType().name())
        .withSelector(Labels.selector(pipeline, Component.DISPATCHER))
        .withPorts(
            ServicePorts.named("http", ports.getHttpPort()),
            ServicePorts.named("grpc", ports.getGrpcPort()),
            // The dispatcher serves /metrics on its REST port; scrapers select the port by name.
            ServicePorts.to("metrics", ports.getMetricsPort(), "http"))
        .endSpec()
        .build();
  }

  /** The in-cluster URL of the REST endpoint, shown in the status. */
  public static String endpoint(InferencePipeline pipeline) {
    return ClientApiSecrets.scheme(pipeline).toLowerCase(java.util.Locale.ROOT)
        + "://"
        + Names.serviceHost(pipeline, Names.dispatcher(pipeline))
        + ":"
        + pipeline.getSpec().getDispatcher().getService().getHttpPort();
  }

  private static Probe http(String path, String scheme, int periodSeconds, int failureThreshold) {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withScheme(scheme)
        .withPath(path)
        .withPort(new IntOrString("http"))
        .endHttpGet()
        .withPeriodSeconds(periodSeconds)
        .withTimeoutSeconds(3)
        .withFailureThreshold(failureThreshold)
        .build();
  }

  /** CPU as a request only (bursting helps batching); memory as request and limit. */
  static ResourceRequirements resources(ComputeResources resources) {
    ResourceRequirementsBuilder builder = new ResourceRequirementsBuilder();
    if (resources == null) {
      return builder.build();
    }
    Quantity cpu = resources.getCpu();
    Quantity memory = resources.getMemory();
    if (cpu != null) {
      builder.addToRequests("cpu", cpu);
    }
    if (memory != null) {
      builder.addToRequests("memory", memory).addToLimits("memory", memory);
    }
    return builder.build();
  }
}
