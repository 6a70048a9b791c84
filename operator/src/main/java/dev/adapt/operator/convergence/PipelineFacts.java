package dev.adapt.operator.convergence;

import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.ServingRecord;
import dev.adapt.core.membership.StageLayout;
import dev.adapt.operator.convergence.WorkerPlanner.Facts;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.crd.v1alpha1.InferencePipelineSpec;
import dev.adapt.operator.crd.v1alpha1.InferencePipelineStatus;
import dev.adapt.operator.crd.v1alpha1.StageReplicas;
import dev.adapt.operator.resources.Names;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/** Turns a pipeline resource and what was observed about it into the planner's facts. */
public final class PipelineFacts {

  private PipelineFacts() {}

  /**
   * @param dispatcherRolledOut whether every dispatcher pod runs the current template. A model load
   *     failure reported while the dispatcher rolls is not taken as news: an old pod that does not
   *     mount the new model's claim reports one, while the new pod loads the model.
   */
  public static Facts of(
      InferencePipeline pipeline,
      long specGeneration,
      Optional<MembershipSnapshot> snapshot,
      List<Pod> pods,
      String templateHash,
      boolean dispatcherRolledOut) {
    return new Facts(
        layout(pipeline.getSpec()),
        specGeneration,
        dispatcherRolledOut ? snapshot : snapshot.map(MembershipSnapshot::withoutLoadFailure),
        workerPods(pipeline, pods, templateHash),
        servingInStatus(pipeline),
        id -> Names.workerOrdinal(pipeline, id),
        ordinal -> Names.worker(pipeline, ordinal));
  }

  /** The stages, replicas and standbys the spec asks for. */
  public static StageLayout layout(InferencePipelineSpec spec) {
    Map<Integer, Integer> overrides =
        Objects.requireNonNullElse(spec.getStageReplicas(), List.<StageReplicas>of()).stream()
            .collect(Collectors.toMap(StageReplicas::getStage, StageReplicas::getReplicas));
    return new StageLayout(
        SpecValidator.stageCount(spec),
        spec.getReplicasPerStage(),
        overrides,
        spec.getStandbyWorkers());
  }

  private static List<WorkerPod> workerPods(
      InferencePipeline pipeline, List<Pod> pods, String templateHash) {
    return pods.stream()
        .flatMap(
            pod ->
                Names.workerOrdinal(pipeline, pod.getMetadata().getName()).stream()
                    .mapToObj(ordinal -> WorkerPod.of(pod, ordinal, templateHash)))
        .toList();
  }

  /** The plan in service according to the last status. */
  private static Optional<ServingRecord> servingInStatus(InferencePipeline pipeline) {
    InferencePipelineStatus status = pipeline.getStatus();
    if (status == null || status.getPlanGeneration() == null || status.getStageCount() == null) {
      return Optional.empty();
    }
    return Optional.of(
        new ServingRecord(
            status.getPlanGeneration(), status.getStageCount(), status.getSplitPoints()));
  }
}
