package dev.adapt.dispatcher.batching;

import dev.adapt.core.tensor.HostTensor;
import java.util.concurrent.CompletableFuture;

/** Runs one merged batch through the model; the output has one row per input row. */
public interface BatchRunner {

  CompletableFuture<HostTensor> run(Batch batch);
}
