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

  @Override
  void close();
}
