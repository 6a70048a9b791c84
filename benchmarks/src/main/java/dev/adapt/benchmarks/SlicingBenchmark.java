package dev.adapt.benchmarks;

import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.model.ModelLoader;
import dev.adapt.core.plan.Partitioning;
import dev.adapt.core.plan.Plan;
import dev.adapt.core.plan.Planner;
import dev.adapt.core.slice.ExecutorOptions;
import dev.adapt.core.slice.SliceArtifact;
import dev.adapt.core.slice.SliceChain;
import dev.adapt.core.slice.Slicer;
import dev.adapt.core.slice.TensorFlowSliceExecutor;
import dev.adapt.core.tensor.HostTensor;
import dev.adapt.dispatcher.ModelOptions;
import dev.adapt.dispatcher.PartitioningOptions;
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
 * Throughput of a model run unsplit against the same model run as a chain of slices, in one
 * process, one batch at a time.
 *
 * <p>The two variants alternate within every round (ABBA order, so that a slow drift of the shared
 * machine's load hits both alike), and the result is the median over rounds of each round's
 * sliced/unsplit ratio: on a machine others use at the same time, ratios measured side by side are
 * far steadier than two throughputs measured minutes apart.
 */
@Command(
    name = "slicing-benchmark",
    mixinStandardHelpOptions = true,
    description = "Sliced against unsplit throughput of a model, in one process.")
public final class SlicingBenchmark implements Callable<Integer> {

  @Mixin ModelOptions model = new ModelOptions("builtin:resnet50");

  /** The sliced variant's cuts; four stages unless the command line says otherwise. */
  @Mixin PartitioningOptions partitioning = new PartitioningOptions(4);

  @Option(
      names = "--batch",
      split = ",",
      defaultValue = "1,8",
      description = "Batch sizes (default: ${DEFAULT-VALUE}).")
  List<Integer> batchSizes;

  @Option(
      names = "--rounds",
      defaultValue = "10",
      description = "Measured rounds per batch size (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(
      names = "--seconds",
      defaultValue = "2",
      description = "Target seconds per variant per round (default: ${DEFAULT-VALUE}).")
  double secondsPerVariant;

  @Option(
      names = "--warmup",
      defaultValue = "3",
      description = "Warm-up batches per variant (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--intra-op-threads",
      defaultValue = "0",
      description = "0: TensorFlow's default.")
  int intraOpThreads;

  @Option(
      names = "--inter-op-threads",
      defaultValue = "0",
      description = "0: TensorFlow's default.")
  int interOpThreads;

  public static void main(String[] args) {
    System.exit(new CommandLine(new SlicingBenchmark()).execute(args));
  }

  /** A way to run a batch through the model. */
  private interface Variant {
    HostTensor run(HostTensor input);
  }

  private final List<String> cpuLines = new ArrayList<>();

  @Override
  public Integer call() {
    PrintStream out = System.out;
    // A bad partitioning fails before the model loads.
    Partitioning wanted = partitioning.partitioning();
    LoadedModel loaded = ModelLoader.load(model.source().orElseThrow());
    ExecutorOptions options = new ExecutorOptions(intraOpThreads, interOpThreads);
    Plan cut = Planner.plan(loaded, wanted);
    List<SliceArtifact> slices = Slicer.slice(loaded, cut);
    List<AutoCloseable> resources = new ArrayList<>();
    try {
      TensorFlowSliceExecutor whole =
          TensorFlowSliceExecutor.load(
              Slicer.slice(loaded, Planner.balanced(loaded, 1), 0), options);
      resources.add(whole);
      SliceChain chain = SliceChain.load(slices, options);
      resources.add(chain);
      List<TensorFlowSliceExecutor> separate = new ArrayList<>();
      for (SliceArtifact slice : slices) {
        TensorFlowSliceExecutor executor = TensorFlowSliceExecutor.load(slice, options);
        resources.add(executor);
        separate.add(executor);
      }
      Variant unsplit = whole::run;
      Variant sliced = chain::run;
      Variant hostHops =
          input -> {
            HostTensor current = input;
            for (TensorFlowSliceExecutor executor : separate) {
              current = executor.run(current);
            }
            return current;
          };
      out.printf(
          "model %s, %d cores, threads intra=%d inter=%d (0 = TensorFlow's default)%n",
          loaded.source(),
          Runtime.getRuntime().availableProcessors(),
          intraOpThreads,
          interOpThreads);
      out.printf(
          "%d slices, cut at %s%n%n", cut.stages().size(), String.join(", ", cut.cutPointNames()));
      out.println(
          "| batch | unsplit images/s | sliced images/s | sliced/unsplit | (min–max) |"
              + " host-hop images/s | host-hop/unsplit | (min–max) | max abs diff |");
      out.println("| ---: | ---: | ---: | ---: | :---: | ---: | ---: | :---: | ---: |");
      for (int batch : batchSizes) {
        measure(out, loaded, batch, List.of(unsplit, sliced, hostHops));
      }
      out.println();
      out.println("Variant 1: sliced (chained in TensorFlow); variant 2: host hops.");
      cpuLines.forEach(out::println);
    } finally {
      for (AutoCloseable resource : resources) {
        try {
          resource.close();
        } catch (Exception e) {
          // Closing at exit: nothing left to protect.
        }
      }
    }
    return 0;
  }

  private void measure(PrintStream out, LoadedModel model, int batch, List<Variant> variants) {
    HostTensor input = randomInput(model, batch);
    HostTensor reference = variants.get(0).run(input);
    double diff = 0;
    for (Variant variant : variants) {
      diff = Math.max(diff, maxAbsDiff(reference, variant.run(input)));
    }
    for (int i = 0; i < warmup; i++) {
      variants.forEach(variant -> variant.run(input));
    }
    long start = System.nanoTime();
    variants.get(0).run(input);
    double secondsPerBatch = (System.nanoTime() - start) / 1e9;
    int batchesPerRound = Math.max(1, (int) Math.round(secondsPerVariant / secondsPerBatch));

    // rates[v][round]: batches per second of variant v; the order of variants rotates per round.
    int n = variants.size();
    // cpu[v][round]: process CPU seconds per batch, which contention from other processes on a
    // shared machine disturbs far less than wall time.
    double[][] rates = new double[n][rounds];
    double[][] cpu = new double[n][rounds];
    for (int round = 0; round < rounds; round++) {
      long[] wallNanos = new long[n];
      long[] cpuNanos = new long[n];
      // Batch by batch, the variants take turns (in an order that rotates, and reverses every
      // other batch), so that load changes on any time scale longer than a batch hit all alike.
      for (int b = 0; b < batchesPerRound; b++) {
        for (int k = 0; k < n; k++) {
          int v = (b % 2 == 0) ? (b / 2 + k) % n : (b / 2 + n - 1 - k) % n;
          long cpuStart = processCpuNanos();
          long began = System.nanoTime();
          variants.get(v).run(input);
          wallNanos[v] += System.nanoTime() - began;
          cpuNanos[v] += processCpuNanos() - cpuStart;
        }
      }
      for (int v = 0; v < n; v++) {
        rates[v][round] = batchesPerRound / (wallNanos[v] / 1e9);
        cpu[v][round] = cpuNanos[v] / 1e9 / batchesPerRound;
      }
    }
    StringBuilder row =
        new StringBuilder(
            String.format(Locale.ROOT, "| %d | %.2f ", batch, median(rates[0]) * batch));
    for (int v = 1; v < n; v++) {
      double[] ratios = new double[rounds];
      for (int round = 0; round < rounds; round++) {
        ratios[round] = rates[v][round] / rates[0][round];
      }
      Arrays.sort(ratios);
      row.append(
          String.format(
              Locale.ROOT,
              "| %.2f | %.3f | %.3f–%.3f ",
              median(rates[v]) * batch,
              median(ratios),
              ratios[0],
              ratios[rounds - 1]));
    }
    row.append(String.format(Locale.ROOT, "| %.1e |", diff));
    out.println(row);
    StringBuilder cpuRow =
        new StringBuilder(
            String.format(
                Locale.ROOT, "  CPU ms per image: unsplit %.1f", median(cpu[0]) * 1000 / batch));
    for (int v = 1; v < n; v++) {
      double[] ratios = new double[rounds];
      for (int round = 0; round < rounds; round++) {
        ratios[round] = cpu[0][round] / cpu[v][round];
      }
      cpuRow.append(
          String.format(
              Locale.ROOT,
              ", variant %d %.1f (throughput ratio by CPU time %.3f)",
              v,
              median(cpu[v]) * 1000 / batch,
              median(ratios)));
    }
    cpuLines.add("batch " + batch + ":" + cpuRow);
    out.flush();
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static HostTensor randomInput(LoadedModel model, int batch) {
    long[] shape = model.input().batchShape(batch);
    SplittableRandom random = new SplittableRandom(batch);
    float[] values = new float[Math.toIntExact(HostTensor.elementCount(shape))];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return HostTensor.ofFloats(shape, values);
  }

  private static double maxAbsDiff(HostTensor a, HostTensor b) {
    float[] x = a.toFloatArray();
    float[] y = b.toFloatArray();
    double max = 0;
    for (int i = 0; i < x.length; i++) {
      max = Math.max(max, Math.abs((double) x[i] - y[i]));
    }
    return max;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
