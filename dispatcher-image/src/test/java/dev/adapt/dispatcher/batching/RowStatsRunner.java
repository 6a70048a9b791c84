package dev.adapt.dispatcher.batching;

import dev.adapt.core.model.TensorSpec;
import dev.adapt.core.tensor.DType;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.dispatcher.requests.ModelInfo;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small model for protocol tests: input {@code x} FP32[*, 4], output {@code y} FP32[*, 2] = the
 * sum and the maximum of each row. While the gate is closed, batches wait for it to open.
 */
public final class RowStatsRunner implements BatchRunner {
  public static final ModelInfo MODEL =
      new ModelInfo(
          "rowstats",
          "1",
          "tensorflow_graphdef",
          new TensorSpec("x", DType.FLOAT32, new long[] {-1, 4}),
          new TensorSpec("y", DType.FLOAT32, new long[] {-1, 2}));

  private final List<Integer> batchSizes = new CopyOnWriteArrayList<>();

  /** The rows of each batch run, in the order they ran. */
  public List<Integer> batchSizes() {
    return batchSizes;
  }

  private volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);

  public void close() {
    gate = new CompletableFuture<>();
  }

  public void open() {
    gate.complete(null);
  }

  @Override
  public CompletableFuture<HostTensor> run(Batch batch) {
    batchSizes.add(batch.rows());
    return gate.thenApply(ignored -> compute(batch.input()));
  }

  public static HostTensor compute(HostTensor input) {
    float[] x = input.toFloatArray();
    int rows = Math.toIntExact(input.dim(0));
    float[] y = new float[rows * 2];
    for (int r = 0; r < rows; r++) {
      float sum = 0;
      float max = Float.NEGATIVE_INFINITY;
      for (int c = 0; c < 4; c++) {
        sum += x[r * 4 + c];
        max = Math.max(max, x[r * 4 + c]);
      }
      y[r * 2] = sum;
      y[r * 2 + 1] = max;
    }
    return HostTensor.ofFloats(new long[] {rows, 2}, y);
  }
}
