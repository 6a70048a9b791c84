package dev.adapt.operator.resources;

import dev.adapt.operator.crd.v1alpha1.BatchingSpec;
import dev.adapt.operator.crd.v1alpha1.DispatcherServiceSpec;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.crd.v1alpha1.TransportSpec;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import java.util.List;

/**
 * The command lines of the dispatcher ({@code DispatcherMain}) and worker ({@code WorkerMain})
 * containers. What differs per pod (its name, its IP) comes from the downward API through
 * environment variables that the arguments reference as {@code $(VAR)}.
 */
public final class CommandLines {

  /** The pod's name: the worker's id in etcd. */
  public static final String POD_NAME = "ADAPT_POD_NAME";

  /** The pod's IP: where other workers and the dispatcher reach the worker. */
  public static final String POD_IP = "ADAPT_POD_IP";

  private CommandLines() {}

  /**
   * The worker registers under its pod name in the pipeline's etcd and waits for its assignment; it
   * finds its device (CPU or GPU) itself.
   */
  public static List<String> worker(InferencePipeline pipeline) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "--pipeline=" + Names.pipelineId(pipeline),
                "--worker-id=$(" + POD_NAME + ")",
                "--port=" + WorkerPods.GRPC_PORT,
                "--advertise-address=$(" + POD_IP + "):" + WorkerPods.GRPC_PORT,
                "--etcd=" + etcd(pipeline),
                "--metrics-port=" + WorkerPods.METRICS_PORT));
    if (PeerTlsSecrets.wanted(pipeline)) {
      // The kubelet's probes carry no certificate: they get a plaintext port of their own.
      args.addAll(PeerTlsSecrets.args(pipeline));
      args.add("--health-port=" + WorkerPods.HEALTH_PORT);
    }
    return List.copyOf(args);
  }

  /**
   * The dispatcher gets no model or partitioning flags: it reads them from the {@code spec} key in
   * etcd, so that a new partitioning needs no new Deployment.
   */
  public static List<String> dispatcher(InferencePipeline pipeline) {
    DispatcherServiceSpec ports = pipeline.getSpec().getDispatcher().getService();
    BatchingSpec batching = pipeline.getSpec().getDispatcher().getBatching();
    TransportSpec transport = pipeline.getSpec().getTransport();
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "--pipeline=" + Names.pipelineId(pipeline),
                "--etcd=" + etcd(pipeline),
                "--http-port=" + ports.getHttpPort(),
                "--grpc-port=" + ports.getGrpcPort(),
                "--max-batch-size=" + batching.getMaxBatchSize(),
                "--max-queue-delay-ms=" + batching.getMaxDelayMillis(),
                "--compression=" + transport.getCompression().wireName(),
                "--float-encoding=" + transport.getFloatEncoding().wireName()));
    args.addAll(PeerTlsSecrets.args(pipeline));
    args.addAll(ClientApiSecrets.args(pipeline));
    return List.copyOf(args);
  }

  /** The downward-API variables the worker's arguments refer to. */
  static List<EnvVar> workerIdentity() {
    return List.of(field(POD_NAME, "metadata.name"), field(POD_IP, "status.podIP"));
  }

  private static String etcd(InferencePipeline pipeline) {
    return String.join(",", EtcdEndpoints.inCluster(pipeline));
  }

  private static EnvVar field(String name, String fieldPath) {
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
