package dev.adapt.benchmarks;

import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.model.ModelLoader;
import dev.adapt.core.plan.Partitioning;
import dev.adapt.core.plan.Plan;
import dev.adapt.core.plan.Planner;
import dev.adapt.core.slice.ExecutorOptions;
import dev.adapt.core.slice.SliceArtifact;
import dev.adapt.core.slice.Slicer;
import dev.adapt.core.slice.TensorFlowSliceExecutor;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.core.tensor.OutputAgreement;
import dev.adapt.core.wire.TensorWireCodec;
import dev.adapt.core.wire.WireEncoding;
import dev.adapt.dispatcher.ModelOptions;
import dev.adapt.dispatcher.PartitioningOptions;
import dev.adapt.proto.v1.Compression;
import dev.adapt.proto.v1.FloatEncoding;
import dev.adapt.proto.v1.WireTensor;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What each wire encoding makes of a model's real activations at each cut: wire bytes, encode and
 * decode time, and, for the lossy float encodings, how far the model's outputs move.
 *
 * <p>The activations are the ones a pipeline would send: the model is cut as a plan says and run
 * slice by slice on seeded pseudo-images. For the output effect the slices run again with every
 * hop's output encoded and decoded on the way, as workers do (the last stage answers exactly).
 */
@Command(
    name = "wire-encoding-benchmark",
    mixinStandardHelpOptions = true,
    description = "Wire bytes, CPU time and output effect of each wire encoding, per cut.")
public final class WireEncodingBenchmark implements Callable<Integer> {
  private static final Compression[] COMPRESSIONS = {
    Compression.COMPRESSION_NONE, Compression.COMPRESSION_LZ4, Compression.COMPRESSION_SHUFFLE_LZ4
  };
  private static final FloatEncoding[] FLOATS = {
    FloatEncoding.FLOAT_ENCODING_EXACT,
    FloatEncoding.FLOAT_ENCODING_FLOAT16,
    FloatEncoding.FLOAT_ENCODING_BFLOAT16
  };

  @Mixin ModelOptions model = new ModelOptions("builtin:resnet50");

  /** Where the activations are taken: a balanced plan of four stages unless told otherwise. */
  @Mixin PartitioningOptions partitioning = new PartitioningOptions(4);

  @Option(
      names = "--inputs",
      defaultValue = "16",
      description = "Distinct inputs, one image each (default: ${DEFAULT-VALUE}).")
  int inputCount;

  @Option(
      names = "--input-kind",
      defaultValue = "smooth",
      description =
          "smooth: pseudo-images of a few random low-frequency waves per channel plus a little"
              + " noise; noise: uniform pixel noise. Both in [-1, 1], the range the built-in"
              + " model's batch norms were calibrated on (default: ${DEFAULT-VALUE}).")
  String inputKind;

  @Option(
      names = "--repeats",
      defaultValue = "5",
      description =
          "Times each activation is encoded and decoded; the fastest counts (default:"
              + " ${DEFAULT-VALUE}).")
  int repeats;

  public static void main(String[] args) {
    System.exit(new CommandLine(new WireEncodingBenchmark()).execute(args));
  }

  @Override
  public Integer call() {
    PrintStream out = System.out;
    // A bad partitioning fails before the model loads.
    Partitioning wanted = partitioning.partitioning();
    LoadedModel loaded = ModelLoader.load(model.source().orElseThrow());
    Plan plan = Planner.plan(loaded, wanted);
    List<TensorFlowSliceExecutor> slices = new ArrayList<>();
    try {
      for (SliceArtifact artifact : Slicer.slice(loaded, plan)) {
        slices.add(TensorFlowSliceExecutor.load(artifact, ExecutorOptions.DEFAULT));
      }
      List<HostTensor> inputs = inputs(loaded);
      // activations.get(i).get(k): what stage k sends on for input i; the last is the output.
      List<List<HostTensor>> activations = new ArrayList<>();
      for (HostTensor input : inputs) {
        activations.add(runHopByHop(slices, input, null));
      }
      out.printf(
          "model %s, cut at %s, %d %s inputs%n%n",
          loaded.source(), String.join(", ", plan.cutPointNames()), inputs.size(), inputKind);
      printCuts(out, plan, activations);
      printOutputEffect(out, slices, inputs, activations);
    } finally {
      slices.forEach(TensorFlowSliceExecutor::close);
    }
    return 0;
  }

  private void printCuts(PrintStream out, Plan plan, List<List<HostTensor>> activations) {
    int cuts = plan.cutPointNames().size();
    out.println("Raw bytes per wire byte at each cut (all inputs together), and CPU time per MB");
    out.println("of raw activation to encode + decode (fastest of " + repeats + "):");
    out.println();
    StringBuilder header = new StringBuilder("| cut | shape | zeros |");
    StringBuilder rule = new StringBuilder("| --- | --- | ---: |");
    for (FloatEncoding floats : FLOATS) {
      for (Compression compression : COMPRESSIONS) {
        header.append(' ').append(new WireEncoding(compression, floats)).append(" |");
        rule.append(" ---: |");
      }
    }
    out.println(header);
    out.println(rule);
    double[][] totals = new double[FLOATS.length * COMPRESSIONS.length][2];
    List<String> timings = new ArrayList<>();
    for (int k = 0; k < cuts; k++) {
      int cut = k;
      List<HostTensor> sent = activations.stream().map(a -> a.get(cut)).toList();
      StringBuilder row =
          new StringBuilder(
              String.format(
                  Locale.ROOT,
                  "| `%s` | %s | %.0f%% |",
                  plan.cutPointNames().get(k),
                  Arrays.toString(sent.get(0).shape()),
                  100 * zeroShare(sent)));
      StringBuilder timing = new StringBuilder("`" + plan.cutPointNames().get(k) + "`:");
      int e = 0;
      for (FloatEncoding floats : FLOATS) {
        for (Compression compression : COMPRESSIONS) {
          WireEncoding encoding = new WireEncoding(compression, floats);
          long raw = 0;
          long wire = 0;
          double encodeNanos = 0;
          double decodeNanos = 0;
          for (HostTensor tensor : sent) {
            Timed timed = time(tensor, encoding);
            raw += tensor.byteSize();
            wire += TensorWireCodec.wireBytes(timed.wire());
            encodeNanos += timed.encodeNanos();
            decodeNanos += timed.decodeNanos();
          }
          totals[e][0] += raw;
          totals[e][1] += wire;
          e++;
          row.append(String.format(Locale.ROOT, " %.2f |", (double) raw / wire));
          double megabytes = raw / 1e6;
          timing.append(
              String.format(
                  Locale.ROOT,
                  " %s %.2f+%.2f ms/MB;",
                  encoding,
                  encodeNanos / 1e6 / megabytes,
                  decodeNanos / 1e6 / megabytes));
        }
      }
      out.println(row);
      timings.add(timing.toString());
    }
    StringBuilder all = new StringBuilder("| all cuts | | |");
    for (double[] total : totals) {
      all.append(String.format(Locale.ROOT, " **%.2f** |", total[0] / total[1]));
    }
    out.println(all);
    out.println();
    out.printf(
        "Raw activation bytes per image over all cuts: %.0f%n%n",
        totals[0][0] / activations.size());
    out.println("Encode + decode time per MB of raw activation:");
    timings.forEach(out::println);
    out.println();
  }

  private void printOutputEffect(
      PrintStream out,
      List<TensorFlowSliceExecutor> slices,
      List<HostTensor> inputs,
      List<List<HostTensor>> exact) {
    out.println("Effect on the model's outputs (every hop's output encoded and decoded):");
    out.println();
    out.println("| float encoding | max abs diff | mean abs diff | top-1 agreement |");
    out.println("| --- | ---: | ---: | ---: |");
    for (FloatEncoding floats : FLOATS) {
      // The compressions are lossless, so one of them tells the effect of each float encoding.
      WireEncoding encoding = new WireEncoding(Compression.COMPRESSION_SHUFFLE_LZ4, floats);
      OutputAgreement agreement = OutputAgreement.NONE;
      double sum = 0;
      long elements = 0;
      for (int i = 0; i < inputs.size(); i++) {
        List<HostTensor> run = runHopByHop(slices, inputs.get(i), encoding);
        float[] expected = exact.get(i).get(exact.get(i).size() - 1).toFloatArray();
        float[] actual = run.get(run.size() - 1).toFloatArray();
        agreement = agreement.plus(OutputAgreement.of(expected, actual));
        for (int j = 0; j < expected.length; j++) {
          sum += Math.abs((double) expected[j] - actual[j]);
        }
        elements += expected.length;
      }
      out.printf(
          Locale.ROOT,
          "| %s | %.2e | %.2e | %d/%d |%n",
          WireEncoding.floatsName(floats),
          agreement.maxAbsDiff(),
          sum / elements,
          agreement.top1Agreed(),
          agreement.compared());
    }
    out.flush();
  }

  /**
   * Runs the slices one by one; with an encoding, each output but the last crosses the codec, as
   * between workers.
   */
  private static List<HostTensor> runHopByHop(
      List<TensorFlowSliceExecutor> slices, HostTensor input, WireEncoding encoding) {
    List<HostTensor> outputs = new ArrayList<>();
    HostTensor current = input;
    for (int k = 0; k < slices.size(); k++) {
      current = slices.get(k).run(current);
      if (encoding != null && k < slices.size() - 1) {
        current = TensorWireCodec.decode(TensorWireCodec.encode(current, encoding));
      }
      outputs.add(current);
    }
    return outputs;
  }

  private record Timed(WireTensor wire, double encodeNanos, double decodeNanos) {}

  private Timed time(HostTensor tensor, WireEncoding encoding) {
    WireTensor wire = null;
    long bestEncode = Long.MAX_VALUE;
    long bestDecode = Long.MAX_VALUE;
    for (int r = 0; r < repeats; r++) {
      long start = System.nanoTime();
      wire = TensorWireCodec.encode(tensor, encoding);
      long encoded = System.nanoTime();
      HostTensor back = TensorWireCodec.decode(wire);
      long decoded = System.nanoTime();
      if (back.byteSize() != tensor.byteSize()) {
        throw new IllegalStateException("decoded " + back.byteSize() + " bytes");
      }
      bestEncode = Math.min(bestEncode, encoded - start);
      bestDecode = Math.min(bestDecode, decoded - encoded);
    }
    return new Timed(wire, bestEncode, bestDecode);
  }

  private List<HostTensor> inputs(LoadedModel loaded) {
    long[] shape = loaded.input().batchShape(1);
    int height = Math.toIntExact(shape[1]);
    int width = Math.toIntExact(shape[2]);
    int channels = Math.toIntExact(shape[3]);
    SplittableRandom random = new SplittableRandom(20261207L);
    List<HostTensor> inputs = new ArrayList<>();
    for (int n = 0; n < inputCount; n++) {
      float[] pixels = new float[height * width * channels];
      if (inputKind.equals("noise")) {
        for (int i = 0; i < pixels.length; i++) {
          pixels[i] = (float) (random.nextDouble() * 2 - 1);
        }
      } else if (inputKind.equals("smooth")) {
        smoothImage(pixels, height, width, channels, random);
      } else {
        throw new IllegalArgumentException("--input-kind is smooth or noise, not " + inputKind);
      }
      inputs.add(HostTensor.ofFloats(shape, pixels));
    }
    return inputs;
  }

  /**
   * A few random plane waves per channel around mid-grey, plus pixel noise: image-like content,
   * scaled from 0..255 to [-1, 1].
   */
  private static void smoothImage(
      float[] pixels, int height, int width, int channels, SplittableRandom random) {
    for (int c = 0; c < channels; c++) {
      int waves = 4;
      double[][] wave = new double[waves][4];
      for (double[] w : wave) {
        w[0] = random.nextDouble() * 0.1; // cycles per pixel, vertically
        w[1] = random.nextDouble() * 0.1;
        w[2] = random.nextDouble() * 2 * Math.PI;
        w[3] = 20 + random.nextDouble() * 30; // amplitude
      }
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          double value = 128;
          for (double[] w : wave) {
            value += w[3] * Math.sin(2 * Math.PI * (w[0] * y + w[1] * x) + w[2]);
          }
          value += (random.nextDouble() - 0.5) * 10;
          double clamped = Math.max(0, Math.min(255, value));
          pixels[(y * width + x) * channels + c] = (float) (clamped / 127.5 - 1);
        }
      }
    }
  }

  private static double zeroShare(List<HostTensor> tensors) {
    long zeros = 0;
    long count = 0;
    for (HostTensor tensor : tensors) {
      for (float value : tensor.toFloatArray()) {
        zeros += value == 0f ? 1 : 0;
      }
      count += tensor.byteSize() / Float.BYTES;
    }
    return (double) zeros / count;
  }
}
