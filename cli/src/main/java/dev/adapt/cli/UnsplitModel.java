package dev.adapt.cli;

import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.plan.Partitioning;
import dev.adapt.core.plan.Plan;
import dev.adapt.core.plan.Planner;
import dev.adapt.core.slice.ExecutorOptions;
import dev.adapt.core.slice.Slicer;
import dev.adapt.core.slice.TensorFlowSliceExecutor;
import dev.adapt.core.tensor.HostTensor;

/** The whole model in one TensorFlow session: the reference outputs and the monolithic baseline. */
final class UnsplitModel implements AutoCloseable {
  private final TensorFlowSliceExecutor executor;

  UnsplitModel(LoadedModel model, ExecutorOptions options) {
    Plan whole = Planner.plan(model, new Partitioning.Balanced(1));
    this.executor = TensorFlowSliceExecutor.load(Slicer.slice(model, whole, 0), options);
  }

  HostTensor run(HostTensor input) {
    return executor.run(input);
  }

  @Override
  public void close() {
    executor.close();
  }
}
