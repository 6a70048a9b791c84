package dev.adapt.core.slice;

import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.plan.Plan;
import dev.adapt.core.tensor.HostTensor;
import java.util.ArrayList;
import java.util.List;

/** Runs the slices of a plan one after the other, as a pipeline would. */
final class Chains {
  private Chains() {}

  /** The outputs of the chained slices of {@code plan}, one per input. */
  static List<HostTensor> run(LoadedModel model, Plan plan, List<HostTensor> inputs) {
    List<SliceArtifact> slices = Slicer.slice(model, plan);
    List<HostTensor> current = new ArrayList<>(inputs);
    for (SliceArtifact slice : slices) {
      try (TensorFlowSliceExecutor executor = TensorFlowSliceExecutor.load(slice)) {
        current.replaceAll(executor::run);
      }
    }
    return current;
  }
}
