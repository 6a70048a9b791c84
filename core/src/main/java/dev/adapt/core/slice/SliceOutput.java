package dev.adapt.core.slice;

import dev.adapt.core.tensor.HostTensor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A slice's output that may be a view of memory the executor owns: valid until {@link #close()}. It
 * saves a copy of the activation when the caller only hands the bytes on (a worker forwarding them
 * to the next stage), at the price of keeping that memory until the hand-over is complete.
 */
public final class SliceOutput implements AutoCloseable {
  private final HostTensor tensor;
  private final Runnable release;
  private final AtomicBoolean closed = new AtomicBoolean();

  SliceOutput(HostTensor tensor, Runnable release) {
    this.tensor = tensor;
    this.release = release;
  }

  /** An output that owns nothing: a tensor in ordinary Java memory. */
  public static SliceOutput of(HostTensor tensor) {
    return new SliceOutput(tensor, () -> {});
  }

  /** The output; its data must not be read after {@link #close()}. */
  public HostTensor tensor() {
    return tensor;
  }

  /** Releases the memory behind the output; later calls do nothing. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      release.run();
    }
  }
}
