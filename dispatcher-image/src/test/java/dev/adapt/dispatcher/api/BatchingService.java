package dev.adapt.dispatcher.api;

import dev.adapt.core.tensor.HostTensor;
import dev.adapt.dispatcher.batching.Batcher;
import dev.adapt.dispatcher.requests.InferenceService;
import dev.adapt.dispatcher.requests.ModelInfo;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/** Serves one fixed model through a {@link Batcher}: the protocol tests' back end. */
final class BatchingService implements InferenceService {
  private final ModelInfo model;
  private final Batcher batcher;
  private final BooleanSupplier ready;

  BatchingService(ModelInfo model, Batcher batcher, BooleanSupplier ready) {
    this.model = model;
    this.batcher = batcher;
    this.ready = ready;
  }

  @Override
  public ModelInfo model() {
    return model;
  }

  @Override
  public boolean ready() {
    return ready.getAsBoolean();
  }

  @Override
  public CompletableFuture<HostTensor> infer(
      ModelInfo requested, String requestId, HostTensor input, Duration timeout) {
    return batcher.submit(requestId, input, timeout);
  }
}
