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

  /**
   * Parses and checks {@code artifact} (its operations against the allowlist among the rest), then
   * loads it. The check comes first because loading runs the graph (warm-up batches).
   *
   * @throws dev.adapt.core.security.DisallowedOpException if the slice holds an operation that is
   *     not model arithmetic
   */
  @Override
  public SliceExecutor load(byte[] artifact) {
    return TensorFlowSliceExecutor.load(SliceArtifact.parse(artifact), options);
  }
}
