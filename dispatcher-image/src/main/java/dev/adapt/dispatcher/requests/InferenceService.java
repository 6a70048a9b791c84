package dev.adapt.dispatcher.requests;

import dev.adapt.core.tensor.HostTensor;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** What the client protocols need from the dispatcher. */
public interface InferenceService {

  /** The model served now; it changes when a plan of another model takes over. */
  ModelInfo model();

  /** Ready when the plan is resolved and every stage has a ready replica. */
  boolean ready();

  /**
   * Admits one request, its input already validated against {@code model}, which is what {@link
   * #model()} returned when the request was read. Throws {@link InferenceException} at once with
   * {@code QUEUE_FULL} when the queue is full, or {@code UNAVAILABLE} when another model is served
   * by now; the future completes exactly once, with the output rows for this request or an {@link
   * InferenceException}.
   */
  CompletableFuture<HostTensor> infer(
      ModelInfo model, String requestId, HostTensor input, Duration timeout);
}
