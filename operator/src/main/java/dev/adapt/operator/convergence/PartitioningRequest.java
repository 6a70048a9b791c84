package dev.adapt.operator.convergence;

import dev.adapt.core.membership.SpecRecord;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.crd.v1alpha1.InferencePipelineSpec;
import dev.adapt.operator.crd.v1alpha1.InferencePipelineStatus;
import dev.adapt.operator.crd.v1alpha1.PlanRollout;
import dev.adapt.operator.resources.ModelLocation;
import dev.adapt.operator.status.Conditions;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The {@code spec} key the dispatcher resolves into a plan. Its generation counts changes of the
 * partitioning and model only, so that scaling or a new image does not make the dispatcher cut the
 * model again.
 */
public final class PartitioningRequest {

  private PartitioningRequest() {}

  /** The record to store: {@code stored} itself when it already asks for the same. */
  public static SpecRecord next(InferencePipelineSpec spec, Optional<SpecRecord> stored) {
    return next(spec, stored, 1);
  }

  /**
   * Like {@link #next(InferencePipelineSpec, Optional)}; when etcd holds no request, the new one
   * gets {@code withoutStored} ({@link #generationWithoutStored}).
   */
  public static SpecRecord next(
      InferencePipelineSpec spec, Optional<SpecRecord> stored, long withoutStored) {
    String model = ModelLocation.of(spec.getModel().getUri()).source();
    SpecRecord wanted =
        new SpecRecord(
            model,
            spec.getModel().getSignature(),
            spec.getPartitioning().getSplitAt(),
            spec.getPartitioning().getStages(),
            stored.map(s -> s.generation() + 1).orElse(withoutStored));
    return stored.filter(s -> sameRequest(s, wanted)).orElse(wanted);
  }

  /**
   * The generation of a request written where etcd holds none: 1 for a new pipeline. When the
   * status shows that plans were made before, etcd lost its keys (the managed etcd keeps them in an
   * emptyDir): the request gets the generation the status records for this spec (the one being
   * rolled out, else the one in service), which the dispatcher has resolved already, so that it
   * does not cut the model again and the plan it publishes again still matches. When the status
   * does not describe this spec, or the dispatcher rejected its plan, the request gets the next
   * generation after every one the status names, so that no generation means two requests.
   */
  public static long generationWithoutStored(InferencePipeline pipeline) {
    InferencePipelineStatus status = pipeline.getStatus();
    if (status == null) {
      return 1;
    }
    PlanRollout rollout = status.getRollout();
    Long wanted = rollout != null ? rollout.getWantedGeneration() : status.getPlanGeneration();
    long newest =
        Stream.of(
                status.getPlanGeneration(),
                rollout == null ? null : rollout.getWantedGeneration(),
                rollout == null ? null : rollout.getPlanGeneration())
            .filter(Objects::nonNull)
            .mapToLong(Long::longValue)
            .max()
            .orElse(0);
    if (newest == 0) {
      return 1;
    }
    boolean describesThisSpec =
        Objects.equals(status.getObservedGeneration(), pipeline.getMetadata().getGeneration());
    boolean rejected =
        status.getConditions().stream()
            .anyMatch(
                c -> Conditions.INVALID_SPEC.equals(c.getType()) && "True".equals(c.getStatus()));
    return describesThisSpec && !rejected && wanted != null ? wanted : newest + 1;
  }

  private static boolean sameRequest(SpecRecord a, SpecRecord b) {
    return Objects.equals(a.model(), b.model())
        && Objects.equals(a.signature(), b.signature())
        && Objects.equals(a.splitAt(), b.splitAt())
        && Objects.equals(a.stages(), b.stages());
  }
}
