package dev.adapt.cli;

import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.plan.Partitioning;
import dev.adapt.dispatcher.planning.PipelineFactory;
import dev.adapt.dispatcher.plans.ServedPipeline;

/**
 * The monolithic baseline with the pipeline's process budget: the unsplit model as one stage,
 * served by a second local dispatcher with the pipeline's settings to as many worker JVMs as the
 * pipeline runs, with as many batches in flight. Both sides then pay for the network, encoding and
 * the dispatcher alike, so that their ratio is the cost of cutting the model, and neither side has
 * more processes to spread over the cores.
 */
final class ServedBaseline {
  private final LocalCluster cluster;
  private final int replicas;
  private final int standbys;
  private final int inFlight;

  private ServedBaseline(LocalCluster cluster, int replicas, int standbys, int inFlight) {
    this.cluster = cluster;
    this.replicas = replicas;
    this.standbys = standbys;
    this.inFlight = inFlight;
  }

  /** Starts the baseline for {@code pipeline} as {@code options} lay it out; does not wait. */
  static ServedBaseline start(LoadedModel loaded, LocalOptions options, ServedPipeline pipeline) {
    ServedPipeline unsplit = PipelineFactory.build(loaded, new Partitioning.Balanced(1), 1);
    int replicas = pipeline.stageCount() * options.replicas;
    int inFlight = options.serving.maxInFlightFor(pipeline.stageCount());
    // Its own pipeline name: with --etcd both clusters register in the same etcd.
    LocalCluster cluster =
        LocalCluster.start(
            unsplit,
            replicas,
            options.standby,
            options.workerSpec(options.pipeline + "-unsplit"),
            options.oneStageSettings(inFlight));
    return new ServedBaseline(cluster, replicas, options.standby, inFlight);
  }

  LocalCluster cluster() {
    return cluster;
  }

  /** The JVMs this baseline uses: its workers and the bench process holding its dispatcher. */
  int processes() {
    return cluster.workerProcesses() + 1;
  }

  /** What this baseline is, for the report. */
  String description() {
    return "unsplit model served by a dispatcher with the same settings on "
        + cluster.workerProcesses()
        + " worker processes (1 stage x "
        + replicas
        + " replicas"
        + (standbys > 0 ? " + " + standbys + " standby" : "")
        + ", "
        + inFlight
        + " batches in flight)";
  }
}
