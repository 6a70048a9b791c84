package dev.adapt.cli;

import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.model.ModelLoader;
import dev.adapt.core.model.ModelSource;
import dev.adapt.dispatcher.ClientApiOptions;
import dev.adapt.dispatcher.DispatcherSettings;
import dev.adapt.dispatcher.ListenOptions;
import dev.adapt.dispatcher.ModelOptions;
import dev.adapt.dispatcher.PartitioningOptions;
import dev.adapt.dispatcher.ServingOptions;
import dev.adapt.dispatcher.planning.PipelineFactory;
import dev.adapt.dispatcher.plans.ServedPipeline;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How {@code adapt local} (and {@code adapt bench --local}) lays out a pipeline on this machine.
 */
final class LocalOptions {
  /** Four balanced stages: the layout the benchmarks measure on two cores. */
  static final int DEFAULT_STAGES = 4;

  @Mixin ModelOptions model = new ModelOptions("builtin:resnet50");

  @Mixin PartitioningOptions partitioning = new PartitioningOptions(DEFAULT_STAGES);

  @Mixin LinkOptions link = new LinkOptions();

  @Option(
      names = "--replicas",
      defaultValue = "1",
      description = "Workers per stage (default: ${DEFAULT-VALUE}).")
  int replicas;

  @Option(
      names = "--standby",
      defaultValue = "0",
      description =
          "Spare workers that take over a failed worker's stage (default: ${DEFAULT-VALUE}).")
  int standby;

  @Mixin ListenOptions listen = new ListenOptions("127.0.0.1");

  @Option(
      names = "--etcd",
      description = "etcd endpoint; workers then register there (default: static membership).")
  String etcd;

  @Option(
      names = "--tls",
      description =
          "Mutual TLS between the dispatcher and the workers and among the workers, with a CA"
              + " made for this run and certificates it issues into a temporary directory"
              + " (default: plaintext on loopback). With --etcd, an https:// endpoint must trust"
              + " that CA, so use it with static membership or a plaintext etcd.")
  boolean tls;

  @Option(
      names = "--pipeline",
      defaultValue = "local",
      description = "Pipeline name (default: ${DEFAULT-VALUE}).")
  String pipeline;

  @Option(
      names = "--worker-intra-op-threads",
      defaultValue = "2",
      description =
          "TensorFlow threads inside one operation, per worker (default: ${DEFAULT-VALUE}).")
  int intraOpThreads;

  @Option(
      names = "--worker-inter-op-threads",
      defaultValue = "1",
      description =
          "TensorFlow operations run in parallel, per worker (default: ${DEFAULT-VALUE}).")
  int interOpThreads;

  @Option(
      names = "--worker-thread-spinning",
      negatable = true,
      defaultValue = "false",
      fallbackValue = "true",
      description =
          "Let idle TensorFlow threads of the workers spin before they sleep (default:"
              + " ${DEFAULT-VALUE}: local workers share the cores, and a spinning thread takes"
              + " one from another stage).")
  boolean threadSpinning;

  @Option(
      names = "--worker-compute-threads",
      defaultValue = "2",
      description = "Batches one worker computes at once (default: ${DEFAULT-VALUE}).")
  int computeThreads;

  @Option(
      names = "--worker-heap",
      defaultValue = "1g",
      description = "Java heap of each worker JVM (default: ${DEFAULT-VALUE}).")
  String workerHeap;

  @Mixin ServingOptions serving = new ServingOptions();

  @Mixin ClientApiOptions clientApi = new ClientApiOptions();

  ModelSource source() {
    return model.source().orElseThrow();
  }

  LoadedModel load() {
    return ModelLoader.load(source());
  }

  ServedPipeline plan(LoadedModel loaded) {
    return PipelineFactory.build(
        loaded, partitioning.partitioning(), 1, link.model(serving.wireEncoding()).orElse(null));
  }

  DispatcherSettings dispatcherSettings(int stageCount) {
    return clientApi
        .apply(serving.apply(listen.apply(DispatcherSettings.builder(stageCount)), stageCount))
        .build();
  }

  /**
   * These options for a plan of {@code stageCount} stages on any free ports (for one of several
   * dispatchers in one process).
   */
  DispatcherSettings settingsOnFreePorts(int stageCount) {
    return clientApi
        .apply(
            serving.apply(
                DispatcherSettings.builder(stageCount).ports(listen.host(), 0, 0), stageCount))
        .build();
  }

  /**
   * These options for a one-stage plan on any free ports, with {@code maxInFlightBatches} batches
   * in flight (a one-stage plan would otherwise default to one).
   */
  DispatcherSettings oneStageSettings(int maxInFlightBatches) {
    return clientApi
        .apply(
            serving.applyWithInFlight(
                DispatcherSettings.builder(1).ports(listen.host(), 0, 0), maxInFlightBatches))
        .build();
  }

  WorkerProcess.Spec workerSpec() {
    return workerSpec(pipeline);
  }

  /** Workers as these options describe them, registering under {@code pipelineName}. */
  WorkerProcess.Spec workerSpec(String pipelineName) {
    try {
      Path logs = Files.createTempDirectory("adapt-local-");
      return new WorkerProcess.Spec(
          System.getProperty("java.class.path"),
          pipelineName,
          etcd,
          intraOpThreads,
          interOpThreads,
          threadSpinning,
          computeThreads,
          workerHeap,
          logs,
          tls ? LocalTls.create(pipelineName) : null);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory for worker logs", e);
    }
  }

  LocalCluster start(ServedPipeline served) {
    return LocalCluster.start(
        served, replicas, standby, workerSpec(), dispatcherSettings(served.stageCount()));
  }
}
