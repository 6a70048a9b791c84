package dev.adapt.operator.resources;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.crd.v1alpha1.ManagedEtcdSpec;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The managed etcd of a pipeline: a StatefulSet bootstrapped as a static cluster, a headless
 * Service for peer discovery and a client Service for the dispatcher, the workers and the operator.
 */
public final class EtcdResources {

  static final String DATA_VOLUME = "data";
  static final String DATA_DIR = "/var/lib/etcd";

  private EtcdResources() {}

  public static Service peerService(InferencePipeline pipeline) {
    return new ServiceBuilder()
        .withMetadata(metadata(pipeline, Names.etcdPeers(pipeline)))
        .withNewSpec()
        .withClusterIP("None")
        // Members must find each other before any of them is ready.
        .withPublishNotReadyAddresses(true)
        .withSelector(Labels.selector(pipeline, Component.ETCD))
        .withPorts(
            ServicePorts.named("client", Names.ETCD_CLIENT_PORT),
            ServicePorts.named("peer", Names.ETCD_PEER_PORT))
        .endSpec()
        .build();
  }

  public static Service clientService(InferencePipeline pipeline) {
    return new ServiceBuilder()
        .withMetadata(metadata(pipeline, Names.etcd(pipeline)))
        .withNewSpec()
        .withType("ClusterIP")
        .withSelector(Labels.selector(pipeline, Component.ETCD))
        .withPorts(ServicePorts.named("client", Names.ETCD_CLIENT_PORT))
        .endSpec()
        .build();
  }

  public static StatefulSet statefulSet(InferencePipeline pipeline, String image) {
    ManagedEtcdSpec spec = pipeline.getSpec().getEtcd().managedOrDefault();
    int replicas = spec.getReplicas() == null ? 1 : spec.getReplicas();
    String peers = Names.serviceHost(pipeline, Names.etcdPeers(pipeline));
    String self = "$(POD_NAME)." + peers;
    String scheme = scheme(pipeline);
    List<String> args =
        new ArrayList<>(
            List.of(
                "--name=$(POD_NAME)",
                "--data-dir=" + DATA_DIR + "/data",
                "--listen-client-urls=" + scheme + "://0.0.0.0:" + Names.ETCD_CLIENT_PORT,
                "--advertise-client-urls=" + scheme + "://" + self + ":" + Names.ETCD_CLIENT_PORT,
                "--listen-peer-urls=" + scheme + "://0.0.0.0:" + Names.ETCD_PEER_PORT,
                "--initial-advertise-peer-urls="
                    + scheme
                    + "://"
                    + self
                    + ":"
                    + Names.ETCD_PEER_PORT,
                // Plain HTTP on purpose: it serves only /health and /metrics, for the kubelet.
                "--listen-metrics-urls=http://0.0.0.0:" + Names.ETCD_METRICS_PORT,
                "--initial-cluster=" + initialCluster(pipeline, replicas, peers, scheme),
                "--initial-cluster-state=new",
                "--initial-cluster-token="
                    + pipeline.getMetadata().getNamespace()
                    + "-"
                    + pipeline.getMetadata().getName()));
    args.addAll(tlsArgs(pipeline));
    List<VolumeMount> mounts = new ArrayList<>();
    mounts.add(new VolumeMountBuilder().withName(DATA_VOLUME).withMountPath(DATA_DIR).build());
    if (PeerTlsSecrets.etcdUsesTls(pipeline)) {
      mounts.addAll(PeerTlsSecrets.mounts(pipeline));
    }
    StatefulSetBuilder builder =
        new StatefulSetBuilder()
            .withMetadata(metadata(pipeline, Names.etcd(pipeline)))
            .withNewSpec()
            .withReplicas(replicas)
            .withServiceName(Names.etcdPeers(pipeline))
            // A static cluster needs all members up to elect a leader.
            .withPodManagementPolicy("Parallel")
            // Deleting the pipeline deletes the members' claims too.
            .withNewPersistentVolumeClaimRetentionPolicy()
            .withWhenDeleted("Delete")
            .withWhenScaled("Retain")
            .endPersistentVolumeClaimRetentionPolicy()
            .withNewSelector()
            .withMatchLabels(Labels.selector(pipeline, Component.ETCD))
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .withLabels(Labels.of(pipeline, Component.ETCD))
            .endMetadata()
            .withNewSpec()
            .withSecurityContext(SecurityContexts.pod())
            .withEnableServiceLinks(false)
            .addToContainers(
                new ContainerBuilder()
                    .withName("etcd")
                    .withImage(image)
                    .withCommand("etcd")
                    .withArgs(args)
                    .withEnv(
                        new EnvVarBuilder()
                            .withName("POD_NAME")
                            .withNewValueFrom()
                            .withNewFieldRef()
                            .withFieldPath("metadata.name")
                            .endFieldRef()
                            .endValueFrom()
                            .build())
                    .addNewPort()
                    .withName("client")
                    .withContainerPort(Names.ETCD_CLIENT_PORT)
                    .endPort()
                    .addNewPort()
                    .withName("peer")
                    .withContainerPort(Names.ETCD_PEER_PORT)
                    .endPort()
                    .addNewPort()
                    .withName("metrics")
                    .withContainerPort(Names.ETCD_METRICS_PORT)
                    .endPort()
                    .withReadinessProbe(health("/health", 3))
                    // Serializable: a member cut off from the leader is not restarted for that.
                    .withLivenessProbe(health("/health?serializable=true", 8))
                    .withSecurityContext(SecurityContexts.container())
                    .withVolumeMounts(mounts)
                    .build())
            .withVolumes(
                PeerTlsSecrets.etcdUsesTls(pipeline)
                    ? PeerTlsSecrets.volumes(pipeline, Component.ETCD)
                    : List.of())
            .endSpec()
            .endTemplate()
            .endSpec();
    Quantity storage = spec.getStorage();
    if (storage == null) {
      builder
          .editSpec()
          .editTemplate()
          .editSpec()
          .addToVolumes(
              new VolumeBuilder().withName(DATA_VOLUME).withNewEmptyDir().endEmptyDir().build())
          .endSpec()
          .endTemplate()
          .endSpec();
    } else {
      builder
          .editSpec()
          .addToVolumeClaimTemplates(
              new PersistentVolumeClaimBuilder()
                  .withNewMetadata()
                  .withName(DATA_VOLUME)
                  .withLabels(Labels.of(pipeline, Component.ETCD))
                  .endMetadata()
                  .withNewSpec()
                  .withAccessModes("ReadWriteOnce")
                  .withStorageClassName(spec.getStorageClassName())
                  .withNewResources()
                  .withRequests(Map.of("storage", storage))
                  .endResources()
                  .endSpec()
                  .build())
          .endSpec();
    }
    return builder.build();
  }

  /** {@code https} when the managed etcd serves TLS ({@code spec.security.mutualTls}). */
  static String scheme(InferencePipeline pipeline) {
    return PeerTlsSecrets.etcdUsesTls(pipeline) ? "https" : "http";
  }

  /**
   * Clients and members alike must present a certificate of the pipeline's CA: etcd holds the stage
   * assignments, so whoever could write it could send workers anywhere.
   */
  private static List<String> tlsArgs(InferencePipeline pipeline) {
    if (!PeerTlsSecrets.etcdUsesTls(pipeline)) {
      return List.of();
    }
    String cert = PeerTlsSecrets.certificateFile();
    String key = PeerTlsSecrets.keyFile();
    String ca = PeerTlsSecrets.caFile();
    return List.of(
        "--client-cert-auth",
        "--cert-file=" + cert,
        "--key-file=" + key,
        "--trusted-ca-file=" + ca,
        "--peer-client-cert-auth",
        "--peer-cert-file=" + cert,
        "--peer-key-file=" + key,
        "--peer-trusted-ca-file=" + ca);
  }

  private static String initialCluster(
      InferencePipeline pipeline, int replicas, String peers, String scheme) {
    return IntStream.range(0, replicas)
        .mapToObj(
            i -> {
              String member = Names.etcd(pipeline) + "-" + i;
              return member
                  + "="
                  + scheme
                  + "://"
                  + member
                  + "."
                  + peers
                  + ":"
                  + Names.ETCD_PEER_PORT;
            })
        .collect(Collectors.joining(","));
  }

  private static Probe health(String path, int failureThreshold) {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withPath(path)
        .withPort(new IntOrString(Names.ETCD_METRICS_PORT))
        .endHttpGet()
        .withPeriodSeconds(5)
        .withTimeoutSeconds(3)
        .withFailureThreshold(failureThreshold)
        .build();
  }

  private static ObjectMeta metadata(InferencePipeline pipeline, String name) {
    return ObjectMetas.of(pipeline, name, Component.ETCD);
  }
}
