package dev.adapt.core.slice;

import dev.adapt.core.tensor.HostTensor;

/**
 * Runs one slice of a model on batches. Implementations are thread-safe: a worker calls {@link
 * #run} from several threads at once.
 */
public interface SliceExecutor extends AutoCloseable {

  /** The content hash of the slice this executor runs (lower-case hex SHA-256). */
  String sha256();

  /** Runs the slice on a batch whose first dimension is the batch size. */
  HostTensor run(HostTensor input);

  /**
   * Like {@link #run}, but the output may be a view of memory the executor frees only when the
   * returned output is closed; the caller closes it once nothing reads the data any more.
   */
  default SliceOutput runHeld(HostTensor input) {
    return SliceOutput.of(run(input));
  }

  /**
   * Runs the slice once on a batch of zeros of {@code batchSize} items, so that the one-time work
   * of a fresh session (graph optimisation, kernel choice, memory pools) is done before the first
   * real batch arrives. Returns false, having run nothing, when the input's shape is not known
   * apart from the batch dimension.
   */
  boolean warmUp(int batchSize);

  @Override
  void close();
}
