package dev.adapt.core.wire;

import io.grpc.Metadata;
import io.grpc.Status;
import java.util.Optional;

/**
 * The trailer with which a worker names the hop that failed. A worker sets it to its own id when it
 * fails a batch itself, and when a later hop fails it answers UNAVAILABLE with the trailer of the
 * deepest failed hop, so the dispatcher learns which worker to avoid without a timeout.
 */
public final class WorkerTrailers {
  public static final Metadata.Key<String> FAILED_WORKER =
      Metadata.Key.of("adapt-failed-worker", Metadata.ASCII_STRING_MARSHALLER);

  private WorkerTrailers() {}

  /** The failed worker named by the trailers of {@code error}, if any. */
  public static Optional<String> failedWorker(Throwable error) {
    Metadata trailers = Status.trailersFromThrowable(error);
    return trailers == null ? Optional.empty() : Optional.ofNullable(trailers.get(FAILED_WORKER));
  }

  public static Metadata naming(String workerId) {
    Metadata trailers = new Metadata();
    trailers.put(FAILED_WORKER, workerId);
    return trailers;
  }
}
