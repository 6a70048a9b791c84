package dev.adapt.worker;

import dev.adapt.core.slice.ExecutorOptions;
import dev.adapt.core.slice.SliceArtifact;
import dev.adapt.core.slice.SliceExecutor;
import dev.adapt.core.slice.TensorFlowSliceExecutor;

/** Loads slice artifacts into TensorFlow sessions with the worker's thread settings. */
final class TensorFlowSliceLoader implements SliceLoader {
  private final ExecutorOptions options;

  TensorFlowSliceLoader(ExecutorOptions options) {
    this.options = options;
  }

  @Override
  public SliceExecutor load(byte[] artifact) {
    return TensorFlowSliceExecutor.load(SliceArtifact.parse(artifact), options);
  }
}
