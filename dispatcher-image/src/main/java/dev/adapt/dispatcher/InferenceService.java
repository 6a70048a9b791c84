package dev.adapt.dispatcher;

import dev.adapt.core.tensor.HostTensor;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** What the client protocols need from the dispatcher. */
public interface InferenceService {

  ModelInfo model();

  /** Ready when the plan is resolved and every stage has a ready replica. */
  boolean ready();

  /**
   * Admits one request (its input already validated against {@link ModelInfo#input()}). Throws
   * {@link InferenceException} with {@code QUEUE_FULL} at once when the queue is full; the future
   * completes exactly once, with the output rows for this request or an {@link InferenceException}.
   */
  CompletableFuture<HostTensor> infer(String requestId, HostTensor input, Duration timeout);
}
