package dev.adapt.core.slice;

import dev.adapt.core.tensor.HostTensor;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Result;
import org.tensorflow.Tensor;

/**
 * Consecutive slices run in one process, passing TensorFlow tensors from one to the next without
 * copying them through host memory: only the chain's input and output are converted. For a process
 * that holds several consecutive stages (and for measuring what slicing itself costs).
 */
public final class SliceChain implements AutoCloseable {
  private final List<TensorFlowSliceExecutor> executors;

  private SliceChain(List<TensorFlowSliceExecutor> executors) {
    this.executors = List.copyOf(executors);
  }

  /**
   * Loads consecutive slices: each one's output must be the next one's input.
   *
   * @throws IllegalArgumentException if the slices are not consecutive stages of one plan
   */
  public static SliceChain load(List<SliceArtifact> slices, ExecutorOptions options) {
    if (slices.isEmpty()) {
      throw new IllegalArgumentException("a chain needs at least one slice");
    }
    for (int i = 1; i < slices.size(); i++) {
      SliceArtifact previous = slices.get(i - 1);
      SliceArtifact next = slices.get(i);
      if (!previous.outputLabel().equals(next.inputLabel())
          || previous.output().dtype() != next.input().dtype()
          || next.stage() != previous.stage() + 1) {
        throw new IllegalArgumentException(previous + " does not feed " + next);
      }
    }
    List<TensorFlowSliceExecutor> executors = new ArrayList<>();
    try {
      for (SliceArtifact slice : slices) {
        executors.add(TensorFlowSliceExecutor.load(slice, options));
      }
    } catch (RuntimeException e) {
      executors.forEach(TensorFlowSliceExecutor::close);
      throw e;
    }
    return new SliceChain(executors);
  }

  /** Runs all slices on a batch. Thread-safe. */
  public HostTensor run(HostTensor input) {
    executors.get(0).checkInput(input);
    Result previous = null;
    try (Tensor fed = TensorConversion.toTensor(input)) {
      Tensor current = fed;
      for (TensorFlowSliceExecutor executor : executors) {
        Result result = executor.runTensor(current);
        if (previous != null) {
          previous.close();
        }
        previous = result;
        current = result.get(0);
      }
      return TensorConversion.toHost(current);
    } finally {
      if (previous != null) {
        previous.close();
      }
    }
  }

  public int size() {
    return executors.size();
  }

  @Override
  public void close() {
    executors.forEach(TensorFlowSliceExecutor::close);
  }
}
