package dev.adapt.operator.resources;

import dev.adapt.operator.crd.v1alpha1.ClientAuthSpec;
import dev.adapt.operator.crd.v1alpha1.ClientTlsSpec;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.crd.v1alpha1.SecuritySpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * The user's Secrets that secure the dispatcher's client API ({@code spec.security.clientTls} and
 * {@code clientAuth}), mounted read-only into the dispatcher and named in its arguments. The
 * operator never reads them: the kubelet mounts them, and refreshes the files when they change,
 * which the dispatcher picks up without a restart.
 */
public final class ClientApiSecrets {
  static final String TLS_VOLUME = "client-tls";
  static final String AUTH_VOLUME = "client-auth";
  public static final String TLS_DIRECTORY = "/etc/adapt/client-tls";
  public static final String AUTH_DIRECTORY = "/etc/adapt/client-auth";
  static final String TOKENS_FILE = "tokens";

  /** Readable by the owner and the pod's fsGroup (the image's user), nobody else. */
  private static final int MODE = 0440;

  private ClientApiSecrets() {}

  static List<Volume> volumes(InferencePipeline pipeline) {
    List<Volume> volumes = new ArrayList<>();
    ClientTlsSpec tls = tls(pipeline);
    if (tls != null) {
      volumes.add(
          new VolumeBuilder()
              .withName(TLS_VOLUME)
              .withNewSecret()
              .withSecretName(tls.getSecretName())
              .withDefaultMode(MODE)
              .addNewItem()
              .withKey("tls.crt")
              .withPath("tls.crt")
              .endItem()
              .addNewItem()
              .withKey("tls.key")
              .withPath("tls.key")
              .endItem()
              .endSecret()
              .build());
    }
    ClientAuthSpec auth = auth(pipeline);
    if (auth != null) {
      volumes.add(
          new VolumeBuilder()
              .withName(AUTH_VOLUME)
              .withNewSecret()
              .withSecretName(auth.getSecretName())
              .withDefaultMode(MODE)
              .addNewItem()
              .withKey(auth.getKey())
              .withPath(TOKENS_FILE)
              .endItem()
              .endSecret()
              .build());
    }
    return volumes;
  }

  static List<VolumeMount> mounts(InferencePipeline pipeline) {
    List<VolumeMount> mounts = new ArrayList<>();
    if (tls(pipeline) != null) {
      mounts.add(readOnly(TLS_VOLUME, TLS_DIRECTORY));
    }
    if (auth(pipeline) != null) {
      mounts.add(readOnly(AUTH_VOLUME, AUTH_DIRECTORY));
    }
    return mounts;
  }

  /** The dispatcher's options naming the mounted files. */
  static List<String> args(InferencePipeline pipeline) {
    List<String> args = new ArrayList<>();
    if (tls(pipeline) != null) {
      args.add("--client-tls-cert=" + TLS_DIRECTORY + "/tls.crt");
      args.add("--client-tls-key=" + TLS_DIRECTORY + "/tls.key");
    }
    if (auth(pipeline) != null) {
      args.add("--client-auth-tokens=" + AUTH_DIRECTORY + "/" + TOKENS_FILE);
    }
    return args;
  }

  /** The scheme of the REST port, for the probes and the endpoint in the status. */
  static String scheme(InferencePipeline pipeline) {
    return tls(pipeline) != null ? "HTTPS" : "HTTP";
  }

  private static ClientTlsSpec tls(InferencePipeline pipeline) {
    SecuritySpec security = pipeline.getSpec().getSecurity();
    return security == null ? null : security.getClientTls();
  }

  private static ClientAuthSpec auth(InferencePipeline pipeline) {
    SecuritySpec security = pipeline.getSpec().getSecurity();
    return security == null ? null : security.getClientAuth();
  }

  private static VolumeMount readOnly(String name, String path) {
    return new VolumeMountBuilder().withName(name).withMountPath(path).withReadOnly(true).build();
  }
}
