package dev.adapt.dispatcher.routing;

import dev.adapt.proto.v1.Compression;
import java.time.Duration;

/**
 * How batches travel the pipeline.
 *
 * @param attemptTimeout how long one pass through the pipeline may take before it is replayed
 * @param quarantine how long a worker whose hop failed gets no batches (unless it restarts)
 * @param maxAttempts passes per batch at most, the first included
 * @param compression how activations are compressed between stages
 */
public record RouterConfig(
    Duration attemptTimeout, Duration quarantine, int maxAttempts, Compression compression) {

  public static RouterConfig defaults() {
    return new RouterConfig(
        Duration.ofSeconds(10), Duration.ofSeconds(5), 20, Compression.COMPRESSION_LZ4);
  }
}
