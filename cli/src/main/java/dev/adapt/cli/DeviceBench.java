package dev.adapt.cli;

import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.plan.LinkModel;
import dev.adapt.core.plan.Partitioning;
import dev.adapt.dispatcher.planning.PipelineFactory;
import dev.adapt.dispatcher.plans.ServedPipeline;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * {@code adapt bench --devices 1,2,4}: for each device count N, the model in N balanced stages on N
 * emulated devices (one worker each, {@link DeviceEmulation}); N = 1 is the baseline, the unsplit
 * model on one device with the same quota and link. All pipelines run side by side and take turns
 * in rounds, so that load from other processes on the machine hits them alike; every answer is
 * checked against the unsplit model. With {@code --device-plans flops,link} each N > 1 runs twice,
 * balanced by FLOPs and by the devices' compute and links ({@link LinkModel}), side by side.
 */
final class DeviceBench {
  private final BenchCommand bench;
  private final DeviceOptions options;
  private final PrintStream log;

  DeviceBench(BenchCommand bench, DeviceOptions options, PrintStream log) {
    this.bench = bench;
    this.options = options;
    this.log = log;
  }

  /** The device counts to measure: those asked for, with 1 (the baseline) always among them. */
  static List<Integer> counts(List<Integer> asked) {
    TreeSet<Integer> counts = new TreeSet<>(asked);
    counts.add(1);
    if (counts.first() < 1) {
      throw new IllegalArgumentException("--devices takes device counts of 1 or more");
    }
    return List.copyOf(counts);
  }

  /** Refuses the options that make no sense on emulated devices. */
  void checkOptions() {
    LocalOptions local = bench.localOptions;
    List<String> refused = new ArrayList<>();
    if (local.partitioning.given()) {
      refused.add("--stages/--split-at (N devices run N balanced stages)");
    }
    if (local.link.link != null) {
      refused.add("--plan-for-link (--device-plans link plans for the devices' own links)");
    }
    if (local.replicas != 1 || local.standby != 0) {
      refused.add("--replicas/--standby (one worker per device)");
    }
    if (local.tls) {
      refused.add("--tls (the run's certificates name 127.0.0.1, not the devices' addresses)");
    }
    if (local.etcd != null) {
      refused.add("--etcd (workers in the devices' namespaces cannot reach it)");
    }
    if (bench.killAfter != null || bench.compareMonolithic) {
      refused.add("--kill-worker-after/--compare-monolithic (N = 1 is the baseline)");
    }
    if (!refused.isEmpty()) {
      throw new IllegalArgumentException("--devices does not take " + String.join(", ", refused));
    }
  }

  private List<DeviceOptions.DevicePlan> plans() {
    return List.copyOf(new LinkedHashSet<>(options.plans));
  }

  /**
   * The devices as the link plan sees them: their link, their CPU quota at {@link
   * LinkOptions#GFLOPS_PER_CPU} (or --device-gflops), activations as the pipeline sends them.
   */
  LinkModel linkModel(Bandwidth bandwidth) {
    LinkOptions given = bench.localOptions.link;
    double gflops = given.gflops != null ? given.gflops : options.cpus * LinkOptions.GFLOPS_PER_CPU;
    return LinkOptions.model(bandwidth, gflops, bench.localOptions.serving.wireEncoding());
  }

  int run(LoadedModel loaded, OipLoad load, List<Integer> asked) throws Exception {
    checkOptions();
    List<Integer> counts = counts(asked);
    Bandwidth bandwidth = options.parsedBandwidth();
    for (int n : counts) {
      if (n * options.cpus > DeviceOptions.CPU_BUDGET) {
        log.printf(
            "Warning: %d devices x %.2f CPU exceed %.1f CPU; this machine cannot give them all"
                + " their quota at once%n",
            n, options.cpus, DeviceOptions.CPU_BUDGET);
      }
    }
    LinkModel link = linkModel(bandwidth);
    List<DeviceUsage> usages = new ArrayList<>();
    List<DeviceCluster> clusters = new ArrayList<>();
    List<Integer> rowCounts = new ArrayList<>();
    List<String> rowPlans = new ArrayList<>();
    boolean passed = false;
    DeviceEmulation emulation = DeviceEmulation.start();
    try {
      for (int n : counts) {
        // One device runs the unsplit model whatever the plan.
        for (DeviceOptions.DevicePlan kind :
            n == 1 ? List.of(DeviceOptions.DevicePlan.flops) : plans()) {
          boolean linked = kind == DeviceOptions.DevicePlan.link;
          ServedPipeline pipeline =
              PipelineFactory.build(loaded, new Partitioning.Balanced(n), 1, linked ? link : null);
          List<EmulatedDevice> devices = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            devices.add(emulation.addDevice(options.cpus, bandwidth));
          }
          log.printf(
              "Starting %d device%s (%.2f CPU, %s each, addresses %s-%s), %scut at %s ...%n",
              n,
              n == 1 ? "" : "s",
              options.cpus,
              bandwidth,
              devices.get(0).address(),
              devices.get(n - 1).address(),
              n == 1 ? "" : kind + " plan, ",
              n == 1 ? "nothing (the unsplit model)" : pipeline.plan().cutPoints());
          DeviceCluster cluster =
              DeviceCluster.start(
                  pipeline,
                  devices,
                  bench.localOptions,
                  bench.localOptions.pipeline + "-" + n + (linked ? "-link" : ""));
          emulation.closeFirst(cluster);
          clusters.add(cluster);
          rowCounts.add(n);
          rowPlans.add(kind.name());
        }
      }
      for (DeviceCluster cluster : clusters) {
        cluster.cluster().awaitReady(Duration.ofMinutes(15));
      }
      int warm = bench.warmup >= 0 ? bench.warmup : 2 * bench.concurrency;
      List<BenchRounds.Contender> contenders = new ArrayList<>();
      for (DeviceCluster cluster : clusters) {
        Supplier<OipClient> clients = load.clients(OipLoad.Endpoint.of(cluster.cluster()));
        log.println("Warming up the " + cluster + " with " + warm + " requests ...");
        load.warmUp(clients, warm);
        DeviceUsage usage = new DeviceUsage(cluster);
        usages.add(usage);
        contenders.add(
            (first, count) -> {
              DeviceUsage.Sample before = usage.sample();
              LoadRun.Result result = load.send(clients, first, count);
              usage.add(before, usage.sample(), count + load.leadIn());
              return result;
            });
      }
      int rounds = BenchRounds.parts(bench.requests, bench.rounds);
      log.printf(
          "Sending %d requests to each pipeline from %d callers over %s, in %d rounds ...%n",
          bench.requests, bench.concurrency, bench.protocol, rounds);
      List<LoadRun.Result> results = BenchRounds.run(bench.requests, rounds, contenders);
      DeviceBenchReport report =
          DeviceBenchReport.of(
              rowCounts,
              rowPlans,
              clusters,
              results,
              usages,
              options.cpus,
              bandwidth,
              bench.concurrency);
      report.print(System.out, bench.json);
      passed = report.allCorrect();
      return passed ? 0 : 1;
    } catch (RuntimeException e) {
      if (emulation.closed()) {
        // The shutdown hook removed the devices under the running measurement.
        throw new IllegalStateException(
            "stopped: the emulated devices were removed on shutdown", e);
      }
      throw e;
    } finally {
      emulation.close();
      for (DeviceCluster cluster : clusters) {
        if (passed) {
          cluster.cluster().deleteWorkerLogs();
        } else {
          log.println("Worker logs: " + cluster.cluster().workerLogs());
        }
      }
    }
  }
}
