package dev.adapt.operator.convergence;

import dev.adapt.core.membership.SpecRecord;
import dev.adapt.operator.crd.v1alpha1.InferencePipelineSpec;
import dev.adapt.operator.resources.ModelLocation;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code spec} key the dispatcher resolves into a plan. Its generation counts changes of the
 * partitioning and model only, so that scaling or a new image does not make the dispatcher cut the
 * model again.
 */
public final class PartitioningRequest {

  private PartitioningRequest() {}

  /** The record to store: {@code stored} itself when it already asks for the same. */
  public static SpecRecord next(InferencePipelineSpec spec, Optional<SpecRecord> stored) {
    String model = ModelLocation.of(spec.getModel().getUri()).source();
    SpecRecord wanted =
        new SpecRecord(
            model,
            spec.getModel().getSignature(),
            spec.getPartitioning().getSplitAt(),
            spec.getPartitioning().getStages(),
            stored.map(s -> s.generation() + 1).orElse(1L));
    return stored.filter(s -> sameRequest(s, wanted)).orElse(wanted);
  }

  private static boolean sameRequest(SpecRecord a, SpecRecord b) {
    return Objects.equals(a.model(), b.model())
        && Objects.equals(a.signature(), b.signature())
        && Objects.equals(a.splitAt(), b.splitAt())
        && Objects.equals(a.stages(), b.stages());
  }
}
