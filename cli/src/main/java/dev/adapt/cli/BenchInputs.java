package dev.adapt.cli;

import dev.adapt.core.model.TensorSpec;
import dev.adapt.core.tensor.HostTensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A few distinct inputs (pseudo-random images, seeded) and the unsplit model's output for each;
 * request {@code i} sends input {@code i % count}. Few inputs keep the reference cheap to compute.
 */
final class BenchInputs {
  private final List<HostTensor> inputs = new ArrayList<>();
  private final List<HostTensor> expected = new ArrayList<>();

  BenchInputs(TensorSpec spec, int count, UnsplitModel reference) {
    this(spec, count, reference, new double[] {0, 255});
  }

  /** Inputs with pixels uniform between {@code range[0]} and {@code range[1]}. */
  BenchInputs(TensorSpec spec, int count, UnsplitModel reference, double[] range) {
    long[] shape = spec.shape();
    shape[0] = 1;
    for (int i = 1; i < shape.length; i++) {
      if (shape[i] < 0) {
        throw new IllegalArgumentException(
            "input " + spec + " has a free dimension besides the batch; cannot make inputs for it");
      }
    }
    int elements = Math.toIntExact(HostTensor.elementCount(shape));
    SplittableRandom random = new SplittableRandom(20260101L);
    List<HostTensor> rows = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      float[] values = new float[elements];
      for (int e = 0; e < elements; e++) {
        values[e] = (float) (range[0] + random.nextDouble() * (range[1] - range[0]));
      }
      HostTensor input = HostTensor.ofFloats(shape, values);
      inputs.add(input);
      rows.add(input);
    }
    HostTensor outputs = reference.run(HostTensor.concatBatch(rows));
    for (int i = 0; i < count; i++) {
      expected.add(outputs.batchSlice(i, i + 1));
    }
  }

  HostTensor input(int request) {
    return inputs.get(request % inputs.size());
  }

  HostTensor expected(int request) {
    return expected.get(request % expected.size());
  }
}
