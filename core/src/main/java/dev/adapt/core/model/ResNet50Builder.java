package dev.adapt.core.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * Builds ResNet-50 v1 as Keras' {@code ResNet50} does (same layer names and structure: convolutions
 * with bias, batch norms with epsilon 1.001e-5, bottleneck blocks with projection shortcuts on the
 * first block of each stage), with deterministic seeded weights instead of trained ones, and
 * exports it as a SavedModel.
 *
 * <p>Convolution and dense weights are He-scaled normal values from a fixed seed. The batch norms'
 * moving statistics are calibrated while the graph is built: each one is set to the per-channel
 * mean and variance its input has for a fixed batch of random images, so that every block sees
 * roughly normalised activations and the softmax is neither NaN nor saturated. Calibration runs
 * single-threaded and its statistics are rounded to 8 significant bits, so the weights do not
 * depend on thread scheduling.
 */
final class ResNet50Builder implements AutoCloseable {
  static final String INPUT = "input_1";
  static final String OUTPUT = "predictions";
  private static final long SEED = 50_2015L;
  private static final int CALIBRATION_BATCH = 2;
  private static final float BN_EPSILON = 1.001e-5f;
  private static final int CLASSES = 1000;

  private final Graph graph = new Graph();
  private final Ops tf = Ops.create(graph);
  private final Session session;
  private final SplittableRandom random = new SplittableRandom(SEED);

  /** A tensor of the graph under construction with its value for the calibration batch. */
  private record Act(Operand<TFloat32> op, Shape shape, float[] value) {
    long channels() {
      return shape.size(shape.numDimensions() - 1);
    }
  }

  private ResNet50Builder() {
    ConfigProto singleThreaded =
        ConfigProto.newBuilder()
            .setIntraOpParallelismThreads(1)
            .setInterOpParallelismThreads(1)
            .build();
    session = new Session(graph, singleThreaded);
  }

  /**
   * Builds the model and writes it as a SavedModel into {@code directory} (which must not exist).
   */
  static void export(Path directory) throws IOException {
    try (ResNet50Builder builder = new ResNet50Builder()) {
      builder.buildAndExport(directory);
    }
  }

  private void buildAndExport(Path directory) throws IOException {
    Placeholder<TFloat32> input =
        tf.withName(INPUT)
            .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 224, 224, 3)));
    float[] images = new float[CALIBRATION_BATCH * 224 * 224 * 3];
    for (int i = 0; i < images.length; i++) {
      images[i] = (float) (random.nextDouble() * 2 - 1);
    }
    Act x = new Act(input, Shape.of(CALIBRATION_BATCH, 224, 224, 3), images);

    x = pad(x, "conv1_pad", 3);
    x = conv(x, "conv1_conv", 64, 7, 2, "VALID");
    x = batchNorm(x, "conv1_bn");
    x = relu(x, "conv1_relu");
    x = pad(x, "pool1_pad", 1);
    x = maxPool(x, "pool1_pool");

    x = stack(x, 64, 3, 1, "conv2");
    x = stack(x, 128, 4, 2, "conv3");
    x = stack(x, 256, 6, 2, "conv4");
    x = stack(x, 512, 3, 2, "conv5");

    Ops avgPool = tf.withSubScope("avg_pool");
    Operand<TFloat32> pooled =
        avgPool
            .withName("Mean")
            .math
            .mean(x.op, avgPool.withName("axes").constant(new int[] {1, 2}));
    long features = x.channels();
    Act pooledAct = eval(pooled, Shape.of(CALIBRATION_BATCH, features), x);
    // Scale the classifier so that the logits have a standard deviation of about 2.
    double meanSquare = 0;
    for (float v : pooledAct.value) {
      meanSquare += v * (double) v;
    }
    meanSquare /= pooledAct.value.length;
    double std = 2.0 / Math.sqrt(features * Math.max(meanSquare, 1e-6));
    Ops scope = tf.withSubScope(OUTPUT);
    Variable<TFloat32> kernel =
        variable(scope, "kernel", Shape.of(features, CLASSES), normal(features * CLASSES, std));
    Variable<TFloat32> bias = variable(scope, "bias", Shape.of(CLASSES), normal(CLASSES, 0.01));
    Operand<TFloat32> logits =
        scope
            .withName("BiasAdd")
            .nn
            .biasAdd(scope.withName("MatMul").linalg.matMul(pooled, kernel), bias);
    Operand<TFloat32> predictions = scope.withName("Softmax").nn.softmax(logits);

    Signature signature =
        Signature.builder(ModelSource.DEFAULT_SIGNATURE)
            .input(INPUT, input)
            .output(OUTPUT, predictions)
            .build();
    SavedModelBundle.exporter(directory.toString())
        .withSession(session)
        .withSignature(signature)
        .export();
  }

  private Act stack(Act x, int filters, int blocks, int firstStride, String name) {
    x = block(x, filters, firstStride, true, name + "_block1");
    for (int i = 2; i <= blocks; i++) {
      x = block(x, filters, 1, false, name + "_block" + i);
    }
    return x;
  }

  private Act block(Act x, int filters, int stride, boolean projection, String name) {
    Act shortcut = x;
    if (projection) {
      shortcut = conv(x, name + "_0_conv", 4 * filters, 1, stride, "VALID");
      shortcut = batchNorm(shortcut, name + "_0_bn");
    }
    Act y = conv(x, name + "_1_conv", filters, 1, stride, "VALID");
    y = batchNorm(y, name + "_1_bn");
    y = relu(y, name + "_1_relu");
    y = conv(y, name + "_2_conv", filters, 3, 1, "SAME");
    y = batchNorm(y, name + "_2_bn");
    y = relu(y, name + "_2_relu");
    y = conv(y, name + "_3_conv", 4 * filters, 1, 1, "VALID");
    y = batchNorm(y, name + "_3_bn");
    Operand<TFloat32> sum =
        tf.withSubScope(name + "_add").withName("add").math.add(shortcut.op, y.op);
    float[] added = new float[y.value.length];
    for (int i = 0; i < added.length; i++) {
      added[i] = shortcut.value[i] + y.value[i];
    }
    return relu(new Act(sum, y.shape, added), name + "_out");
  }

  private Act pad(Act x, String name, int amount) {
    Ops layer = tf.withSubScope(name);
    Operand<TFloat32> padded =
        layer
            .withName("Pad")
            .pad(
                x.op,
                layer
                    .withName("paddings")
                    .constant(new int[][] {{0, 0}, {amount, amount}, {amount, amount}, {0, 0}}),
                layer.withName("constant_values").constant(0f));
    Shape shape =
        Shape.of(
            x.shape.size(0),
            x.shape.size(1) + 2L * amount,
            x.shape.size(2) + 2L * amount,
            x.channels());
    return eval(padded, shape, x);
  }

  private Act maxPool(Act x, String name) {
    Ops layer = tf.withSubScope(name);
    Operand<TFloat32> pooled =
        layer
            .withName("MaxPool")
            .nn
            .maxPool(
                x.op,
                layer.withName("ksize").constant(new int[] {1, 3, 3, 1}),
                layer.withName("strides").constant(new int[] {1, 2, 2, 1}),
                "VALID");
    long size = (x.shape.size(1) - 3) / 2 + 1;
    return eval(pooled, Shape.of(x.shape.size(0), size, size, x.channels()), x);
  }

  private Act conv(Act x, String name, int filters, int kernelSize, int stride, String padding) {
    long inChannels = x.channels();
    long fanIn = kernelSize * kernelSize * inChannels;
    Ops scope = tf.withSubScope(name);
    Variable<TFloat32> kernel =
        variable(
            scope,
            "kernel",
            Shape.of(kernelSize, kernelSize, inChannels, filters),
            normal(fanIn * filters, Math.sqrt(2.0 / fanIn)));
    Variable<TFloat32> bias = variable(scope, "bias", Shape.of(filters), normal(filters, 0.01));
    Operand<TFloat32> conv =
        scope
            .withName("Conv2D")
            .nn
            .conv2d(x.op, kernel, List.of(1L, (long) stride, (long) stride, 1L), padding);
    Operand<TFloat32> biased = scope.withName("BiasAdd").nn.biasAdd(conv, bias);
    long size =
        padding.equals("SAME")
            ? (x.shape.size(1) + stride - 1) / stride
            : (x.shape.size(1) - kernelSize) / stride + 1;
    return eval(biased, Shape.of(x.shape.size(0), size, size, filters), x);
  }

  private Act batchNorm(Act x, String name) {
    int channels = (int) x.channels();
    double[] sum = new double[channels];
    double[] sumSquares = new double[channels];
    for (int i = 0; i < x.value.length; i++) {
      double v = x.value[i];
      sum[i % channels] += v;
      sumSquares[i % channels] += v * v;
    }
    long count = x.value.length / channels;
    float[] mean = new float[channels];
    float[] variance = new float[channels];
    float[] gamma = new float[channels];
    float[] beta = new float[channels];
    for (int c = 0; c < channels; c++) {
      double m = sum[c] / count;
      mean[c] = round(m);
      variance[c] = round(Math.max(sumSquares[c] / count - m * m, 1e-3));
      gamma[c] = 1f;
      beta[c] = 0f;
    }
    Shape shape = Shape.of(channels);
    Ops layer = tf.withSubScope(name);
    FusedBatchNorm<TFloat32, TFloat32> bn =
        layer
            .withName("FusedBatchNormV3")
            .nn
            .fusedBatchNorm(
                x.op,
                variable(layer, "gamma", shape, gamma),
                variable(layer, "beta", shape, beta),
                variable(layer, "moving_mean", shape, mean),
                variable(layer, "moving_variance", shape, variance),
                FusedBatchNorm.epsilon(BN_EPSILON),
                FusedBatchNorm.isTraining(false));
    return eval(bn.y(), x.shape, x);
  }

  private Act relu(Act x, String name) {
    Operand<TFloat32> activated = tf.withSubScope(name).withName("Relu").nn.relu(x.op);
    float[] value = new float[x.value.length];
    for (int i = 0; i < value.length; i++) {
      value[i] = Math.max(0f, x.value[i]);
    }
    return new Act(activated, x.shape, value);
  }

  /** Runs {@code y} on the calibration value of {@code x}. */
  private Act eval(Operand<TFloat32> y, Shape shape, Act x) {
    try (TFloat32 fed = TFloat32.tensorOf(x.shape, DataBuffers.of(x.value, true, false));
        Result result = session.runner().feed(x.op, fed).fetch(y).run()) {
      TFloat32 out = (TFloat32) result.get(0);
      if (!out.shape().equals(shape)) {
        throw new IllegalStateException(y + " has shape " + out.shape() + ", expected " + shape);
      }
      float[] value = new float[Math.toIntExact(shape.size())];
      out.copyTo(DataBuffers.of(value, false, false));
      return new Act(y, shape, value);
    }
  }

  /** A variable of the layer {@code layer}, set to {@code value}. */
  private Variable<TFloat32> variable(Ops layer, String name, Shape shape, float[] value) {
    Variable<TFloat32> variable = layer.withName(name).variable(shape, TFloat32.class);
    Placeholder<TFloat32> initial =
        layer
            .withName(name + "_initial_value")
            .placeholder(TFloat32.class, Placeholder.shape(shape));
    var assign = layer.withName(name + "_assign").assign(variable, initial);
    try (TFloat32 tensor = TFloat32.tensorOf(shape, DataBuffers.of(value, true, false))) {
      session.runner().feed(initial, tensor).addTarget(assign).run();
    }
    return variable;
  }

  private float[] normal(long count, double std) {
    float[] values = new float[Math.toIntExact(count)];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (gaussian() * std);
    }
    return values;
  }

  /** A standard normal sample (Box-Muller), independent of the JDK's Random implementation. */
  private double gaussian() {
    double u = 1.0 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Keeps 8 significant bits, so that the last bits of a sum do not change the weights. */
  private static float round(double value) {
    float f = (float) value;
    int bits = Float.floatToIntBits(f);
    int rounded = (bits + 0x8000) & 0xFFFF0000;
    return Float.intBitsToFloat(rounded);
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
