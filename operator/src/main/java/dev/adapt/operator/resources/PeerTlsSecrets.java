package dev.adapt.operator.resources;

import dev.adapt.core.security.TlsFiles;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.crd.v1alpha1.SecuritySpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.List;

/**
 * Where the certificates of {@code spec.security.mutualTls} live: the pipeline's CA in {@code
 * <name>-ca} (read by the operator only), and one Secret per component ({@code
 * <name>-<component>-peer-tls}, with {@code tls.crt}, {@code tls.key} and {@code ca.crt}) mounted
 * into that component's pods at {@link #DIRECTORY}. The kubelet refreshes the files when a Secret
 * is renewed; the components re-read them without a restart.
 */
public final class PeerTlsSecrets {
  public static final String DIRECTORY = "/etc/adapt/peer-tls";
  static final String VOLUME = "peer-tls";

  /** Readable by the owner and the pod's fsGroup (the image's user), nobody else. */
  private static final int MODE = 0440;

  private PeerTlsSecrets() {}

  /** Whether the pipeline runs with mutual TLS inside (the default). */
  public static boolean wanted(InferencePipeline pipeline) {
    SecuritySpec security = pipeline.getSpec().getSecurity();
    return security == null || !Boolean.FALSE.equals(security.getMutualTls());
  }

  /** Whether the pipeline's etcd speaks TLS: its managed etcd with mutual TLS on. */
  static boolean etcdUsesTls(InferencePipeline pipeline) {
    return wanted(pipeline) && !pipeline.getSpec().getEtcd().usesExternal();
  }

  public static String authorityName(InferencePipeline pipeline) {
    return pipeline.getMetadata().getName() + "-ca";
  }

  public static String name(InferencePipeline pipeline, Component component) {
    return pipeline.getMetadata().getName() + "-" + component.label() + "-peer-tls";
  }

  static List<Volume> volumes(InferencePipeline pipeline, Component component) {
    if (!wanted(pipeline)) {
      return List.of();
    }
    return List.of(
        new VolumeBuilder()
            .withName(VOLUME)
            .withNewSecret()
            .withSecretName(name(pipeline, component))
            .withDefaultMode(MODE)
            .endSecret()
            .build());
  }

  static List<VolumeMount> mounts(InferencePipeline pipeline) {
    if (!wanted(pipeline)) {
      return List.of();
    }
    return List.of(
        new VolumeMountBuilder()
            .withName(VOLUME)
            .withMountPath(DIRECTORY)
            .withReadOnly(true)
            .build());
  }

  /** The option of the dispatcher and the worker that names the mounted directory. */
  static List<String> args(InferencePipeline pipeline) {
    return wanted(pipeline) ? List.of("--peer-tls-dir=" + DIRECTORY) : List.of();
  }

  static String file(String name) {
    return DIRECTORY + "/" + name;
  }

  static String certificateFile() {
    return file(TlsFiles.CERTIFICATE);
  }

  static String keyFile() {
    return file(TlsFiles.PRIVATE_KEY);
  }

  static String caFile() {
    return file(TlsFiles.CA);
  }
}
