package dev.adapt.dispatcher.routing;

import dev.adapt.core.wire.WireEncoding;
import java.time.Duration;

/**
 * How batches travel the pipeline.
 *
 * @param attemptTimeout how long one pass through the pipeline may take before it is replayed
 * @param quarantine how long a worker whose hop failed gets no batches (unless it restarts)
 * @param maxAttempts passes per batch at most, the first included
 * @param encoding how stages send activations on: compression, and exact or 16-bit floats
 */
public record RouterConfig(
    Duration attemptTimeout, Duration quarantine, int maxAttempts, WireEncoding encoding) {

  public static RouterConfig defaults() {
    return new RouterConfig(Duration.ofSeconds(10), Duration.ofSeconds(5), 20, WireEncoding.LZ4);
  }
}
