package dev.adapt.core.slice;

import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.plan.Planner;
import dev.adapt.core.tensor.DType;
import dev.adapt.core.tensor.HostTensor;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunMetadata;

/**
 * Measures what each segment of a model (see {@link LoadedModel#segmentFlops()}) costs: the whole
 * model runs with TensorFlow's full trace, and the time of every executed operation is added to the
 * segment of the model operation it comes from. Operations that TensorFlow's optimiser derived from
 * a model operation carry its name as a prefix ({@code conv2_block1_0_bn/FusedBatchNormV3/Mul}).
 * The result feeds {@link Planner#balanced(LoadedModel, int, double[])}.
 */
public final class SegmentProfiler {
  private static final Logger log = LoggerFactory.getLogger(SegmentProfiler.class);
  private static final int WARM_UP_RUNS = 2;

  private SegmentProfiler() {}

  /**
   * Microseconds per batch item spent in each segment: the least over {@code runs} traced runs of
   * random inputs of {@code batchSize} items. The least, not the mean, because on a shared machine
   * noise only adds time: one descheduled operation would otherwise make its segment look like the
   * whole model's work.
   */
  public static double[] measure(
      LoadedModel model, int batchSize, int runs, ExecutorOptions options) {
    if (batchSize < 1 || runs < 1) {
      throw new IllegalArgumentException("batch size and runs must be positive");
    }
    double[] micros = new double[model.cutPoints().size() + 1];
    HostTensor input = randomInput(model, batchSize);
    long unattributed = 0;
    try (TensorFlowSliceExecutor executor =
        TensorFlowSliceExecutor.load(Slicer.slice(model, Planner.balanced(model, 1), 0), options)) {
      for (int i = 0; i < WARM_UP_RUNS; i++) {
        executor.run(input);
      }
      Arrays.fill(micros, Double.POSITIVE_INFINITY);
      for (int run = 0; run < runs; run++) {
        RunMetadata trace = executor.trace(input);
        double[] spentThisRun = new double[micros.length];
        for (DeviceStepStats device : trace.getStepStats().getDevStatsList()) {
          for (NodeExecStats node : device.getNodeStatsList()) {
            long spent = node.getOpEndRelMicros() - node.getOpStartRelMicros();
            int segment = segmentOf(model, node.getNodeName());
            if (segment >= 0) {
              spentThisRun[segment] += spent;
            } else {
              unattributed += spent;
            }
          }
        }
        for (int i = 0; i < micros.length; i++) {
          micros[i] = Math.min(micros[i], spentThisRun[i] / batchSize);
        }
      }
    }
    log.debug(
        "Profiled {}: {} µs per item outside any segment",
        model.source(),
        unattributed / ((double) runs * batchSize));
    return micros;
  }

  private static int segmentOf(LoadedModel model, String node) {
    String name = node;
    while (true) {
      if (model.graph().contains(name)) {
        return model.segmentOf(name);
      }
      int slash = name.lastIndexOf('/');
      if (slash < 0) {
        return -1;
      }
      name = name.substring(0, slash);
    }
  }

  private static HostTensor randomInput(LoadedModel model, int batchSize) {
    long[] shape = model.input().batchShape(batchSize);
    if (model.input().dtype() != DType.FLOAT32) {
      return HostTensor.of(
          model.input().dtype(),
          shape,
          new byte[(int) HostTensor.byteSize(model.input().dtype(), shape)]);
    }
    SplittableRandom random = new SplittableRandom(batchSize);
    float[] values = new float[Math.toIntExact(HostTensor.elementCount(shape))];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return HostTensor.ofFloats(shape, values);
  }
}
