package dev.adapt.operator.resources;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import java.util.List;

/**
 * Environment variables through which the operator configures the dispatcher and worker containers.
 * Their command lines read the same settings from these variables.
 */
public final class AdaptEnv {

  /** The pipeline's id in etcd ({@code <namespace>.<name>}). */
  public static final String PIPELINE = "ADAPT_PIPELINE";

  /** Comma-separated etcd client URLs. */
  public static final String ETCD_ENDPOINTS = "ADAPT_ETCD_ENDPOINTS";

  /** Activation compression between stages: {@code lz4} or {@code none}. */
  public static final String COMPRESSION = "ADAPT_COMPRESSION";

  /** The worker's id in etcd: its pod name. */
  public static final String WORKER_ID = "ADAPT_WORKER_ID";

  /** The host other processes reach the worker at: its pod IP. */
  public static final String ADVERTISE_HOST = "ADAPT_ADVERTISE_HOST";

  public static final String GRPC_PORT = "ADAPT_GRPC_PORT";
  public static final String HTTP_PORT = "ADAPT_HTTP_PORT";
  public static final String METRICS_PORT = "ADAPT_METRICS_PORT";

  /** {@code CPU} or {@code GPU}: the device the worker runs its slice on. */
  public static final String DEVICE = "ADAPT_DEVICE";

  /** The model the dispatcher loads: {@code builtin:<name>} or a SavedModel path. */
  public static final String MODEL = "ADAPT_MODEL";

  public static final String SIGNATURE = "ADAPT_SIGNATURE";
  public static final String MAX_BATCH_SIZE = "ADAPT_MAX_BATCH_SIZE";
  public static final String MAX_BATCH_DELAY_MILLIS = "ADAPT_MAX_BATCH_DELAY_MS";

  private AdaptEnv() {}

  static List<EnvVar> common(InferencePipeline pipeline) {
    return List.of(
        value(PIPELINE, Names.pipelineId(pipeline)),
        value(ETCD_ENDPOINTS, String.join(",", EtcdEndpoints.inCluster(pipeline))),
        value(COMPRESSION, pipeline.getSpec().getTransport().getCompression().wireName()));
  }

  static EnvVar value(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }

  static EnvVar field(String name, String fieldPath) {
    return new EnvVarBuilder()
        .withName(name)
        .withNewValueFrom()
        .withNewFieldRef()
        .withFieldPath(fieldPath)
        .endFieldRef()
        .endValueFrom()
        .build();
  }
}
