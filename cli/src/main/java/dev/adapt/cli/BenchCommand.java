package dev.adapt.cli;

import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.model.ModelLoader;
import dev.adapt.core.model.ModelSource;
import dev.adapt.core.slice.ExecutorOptions;
import dev.adapt.core.tensor.DType;
import dev.adapt.dispatcher.batching.BatchingConfig;
import dev.adapt.dispatcher.planning.PipelineFactory;
import dev.adapt.dispatcher.plans.ServedPipeline;
import dev.adapt.dispatcher.requests.ModelInfo;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code adapt bench}: drives a pipeline with concurrent OIP requests, checks every answer against
 * the unsplit model, and reports throughput, latency, failures, duplicates and replays.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Benchmarks a pipeline: sends requests over the Open Inference Protocol, checks every answer"
            + " against the unsplit model (tolerance 1e-4) and reports the results.")
public final class BenchCommand implements Callable<Integer> {
  private static final Pattern REPLAYS =
      Pattern.compile("(?m)^adapt_dispatcher_replays_total(?:\\{[^}]*})? ([0-9.eE+-]+)$");

  @ArgGroup(multiplicity = "1")
  Target target;

  static final class Target {
    @Option(
        names = "--target",
        description = "Base URL of a running dispatcher (http://host:port or https://host:port).")
    String url;

    @Option(names = "--local", description = "Start a local pipeline (the `adapt local` options).")
    boolean local;

    @Option(
        names = "--devices",
        split = ",",
        paramLabel = "N",
        description =
            "Emulate clusters of N weak devices on this machine, one worker per device, and"
                + " compare them with one device serving the unsplit model (always measured):"
                + " e.g. 1,2,4. Each device is a network namespace on a bridge with a shaped link"
                + " (--device-bandwidth) and a CPU quota (--device-cpu). Needs root, ip and tc;"
                + " takes the `adapt local` worker and serving options.")
    List<Integer> devices;
  }

  @picocli.CommandLine.Mixin LocalOptions localOptions = new LocalOptions();

  @picocli.CommandLine.Mixin DeviceOptions deviceOptions = new DeviceOptions();

  @Option(names = "--requests", defaultValue = "200", description = "Requests to send.")
  int requests;

  @Option(names = "--concurrency", defaultValue = "8", description = "Concurrent callers.")
  int concurrency;

  @Option(
      names = "--warmup",
      defaultValue = "-1",
      description =
          "Unmeasured requests sent to each pipeline and baseline first (default: batches of 4"
              + " per caller until throughput stops rising, at most 90 s each; with --devices, 2"
              + " per caller).")
  int warmup;

  @Option(
      names = "--lead-in",
      defaultValue = "-1",
      description =
          "Unmeasured requests each round starts with, on every pipeline and baseline alike:"
              + " throughput counts the answers from the last lead-in request sent to the last"
              + " measured one, while every caller has a request in flight, and leaves out how"
              + " the stages fill and drain (default: 2 per caller; 0 measures whole rounds).")
  int leadIn;

  @Option(
      names = "--kill-worker-after",
      description = "With --local: SIGKILL one worker process after this many answers.")
  Integer killAfter;

  @Option(
      names = "--compare-monolithic",
      description =
          "Also measure the unsplit model with the same callers. With --local, the ratio's baseline"
              + " is the unsplit model as one stage served by a second local dispatcher with the"
              + " same settings, on as many worker JVMs as the pipeline has (stages x replicas,"
              + " same standbys) and as many batches in flight; the bare model in this process"
              + " (no serving, one process) is reported besides. With --target, only the bare"
              + " model in this process.")
  boolean compareMonolithic;

  @Option(
      names = "--rounds",
      defaultValue = "4",
      description =
          "With --compare-monolithic: alternate pipeline, served unsplit model and in-process"
              + " unsplit model in this many rounds, so that changing load on the machine affects"
              + " all alike (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--json", description = "Print the report as JSON.")
  boolean json;

  @Option(
      names = "--protocol",
      defaultValue = "http",
      description = "http (binary tensor extension) or grpc (default: ${DEFAULT-VALUE}).")
  String protocol;

  @Option(
      names = "--grpc-target",
      description = "host:port of the gRPC API with --target (default: the HTTP port + 1).")
  String grpcTarget;

  @Option(
      names = "--token",
      defaultValue = "${env:ADAPT_TOKEN}",
      description =
          "Bearer token sent with every request, for a client API that requires one (from"
              + " ADAPT_TOKEN when set, which keeps it out of the process list).")
  String token;

  @Option(
      names = "--ca-cert",
      description =
          "PEM certificate of the CA to trust for an https:// target and gRPC with TLS (default:"
              + " the JVM's trusted CAs).")
  java.nio.file.Path caCertificate;

  @Option(
      names = "--distinct-inputs",
      defaultValue = "8",
      description = "Distinct inputs cycled through (default: ${DEFAULT-VALUE}).")
  int distinctInputs;

  @Option(
      names = "--request-timeout-ms",
      defaultValue = "120000",
      description = "Client-side timeout of one request (default: ${DEFAULT-VALUE}).")
  long requestTimeoutMs;

  @Option(
      names = "--tolerance",
      description =
          "Largest difference of an answer's elements from the unsplit model's before it counts"
              + " as a mismatch (default: 1e-4; no limit with a lossy --float-encoding, whose effect"
              + " the report's outputs section shows: max abs diff and top-1 agreement).")
  Double tolerance;

  @Option(
      names = "--input-range",
      split = ",",
      defaultValue = "0,255",
      description =
          "Lowest and highest value of the pseudo-random input pixels (default: ${DEFAULT-VALUE};"
              + " the built-in ResNet-50's batch norms were calibrated on -1,1).")
  double[] inputRange;

  static final double TOLERANCE = 1e-4;

  private LocalCluster cluster;
  private ServedBaseline served;

  @Override
  public Integer call() throws Exception {
    PrintStream log = json ? System.err : System.out;
    if (killAfter != null && !target.local && target.devices == null) {
      throw new IllegalArgumentException("--kill-worker-after needs --local");
    }
    DeviceBench devices = null;
    if (target.devices != null) {
      // Before the model loads: a refusal should not take a minute.
      devices = new DeviceBench(this, deviceOptions, log);
      devices.checkOptions();
      DevicePrerequisites.check();
    }
    ModelSource source = localOptions.source();
    log.println("Loading " + source + " ...");
    LoadedModel loaded = ModelLoader.load(source);
    ModelInfo model = PipelineFactory.modelInfo(loaded);
    if (model.input().dtype() != DType.FLOAT32 || model.output().dtype() != DType.FLOAT32) {
      throw new IllegalArgumentException("adapt bench drives models with FP32 input and output");
    }
    BenchInputs inputs;
    try (UnsplitModel reference = new UnsplitModel(loaded, ExecutorOptions.DEFAULT)) {
      inputs = new BenchInputs(model.input(), distinctInputs, reference, inputRange());
    }
    ClientCredentials credentials = new ClientCredentials(token, caCertificate);
    OipLoad load =
        new OipLoad(
            model,
            inputs,
            protocol,
            concurrency,
            leadIn >= 0 ? leadIn : 2 * concurrency,
            Duration.ofMillis(requestTimeoutMs),
            credentials,
            answerTolerance());
    if (devices != null) {
      return devices.run(loaded, load, target.devices);
    }
    MonolithicBaselines baselines = null;
    boolean passed = false;
    try {
      OipLoad.Endpoint pipeline = target.local ? startLocal(loaded, log) : remote();
      Supplier<OipClient> clients = load.clients(pipeline);
      WarmUp warmUp = new WarmUp(warmup, concurrency);
      log.println(
          warmUp.settles()
              ? "Warming up until throughput settles ..."
              : "Warming up with " + warmup + " requests ...");
      log.println(WarmUp.describe("the pipeline", warmUp.run(n -> load.warmUp(clients, n))));
      double replaysBefore = replays(pipeline.httpUrl(), credentials);
      HopBytes hopsBefore = hopBytes(pipeline.httpUrl(), credentials);
      ComponentCpu cpu = cluster == null ? null : new ComponentCpu(cluster);
      AtomicReference<String> killed = new AtomicReference<>();
      ProgressBar progress = new ProgressBar(log, requests, ProgressBar.onTerminal());
      List<BenchRounds.Contender> contenders = new ArrayList<>();
      BenchRounds.Contender pipelineRounds =
          (first, count) -> load.send(clients, first, count, killer(killed, log), progress);
      contenders.add(cpu == null ? pipelineRounds : cpu.measuring(pipelineRounds, load.leadIn()));
      int roundCount = 1;
      Integer processes = cluster == null ? null : cluster.workerProcesses() + 1;
      if (compareMonolithic) {
        baselines = new MonolithicBaselines(served, loaded, inputs, localBatching(), concurrency);
        contenders.addAll(baselines.warmedContenders(load, warmUp, log));
        roundCount = rounds;
        log.println(
            "Comparing with "
                + baselines.describe(processes)
                + "; "
                + concurrency
                + " callers each, alternating in "
                + BenchRounds.parts(requests, roundCount)
                + " rounds ...");
      }
      log.println(
          "Sending " + requests + " requests from " + concurrency + " callers over " + protocol);
      List<LoadRun.Result> results = BenchRounds.run(requests, roundCount, contenders);
      progress.finish();
      LoadRun.Result result = results.get(0);
      new BenchReport(
              result,
              replays(pipeline.httpUrl(), credentials) - replaysBefore,
              target.local ? localOptions.serving.wireEncoding().toString() : null,
              // The lead-in's activations crossed the hops too.
              hopBytes(pipeline.httpUrl(), credentials)
                  .since(hopsBefore, result.succeeded() + result.leadIn()),
              cpu == null ? null : cpu.perImage(),
              concurrency,
              protocol,
              processes,
              baselines == null ? null : baselines.comparison(results.subList(1, results.size())),
              killed.get())
          .print(System.out, json);
      passed = result.failed() == 0 && result.duplicates() == 0 && result.mismatches() == 0;
      return passed ? 0 : 1;
    } finally {
      if (baselines != null) {
        baselines.close();
      }
      closeLocal(cluster, passed, log);
      if (served != null) {
        closeLocal(served.cluster(), passed, log);
      }
    }
  }

  /** Starts the local pipeline and, to compare with, the served baseline; waits for both. */
  private OipLoad.Endpoint startLocal(LoadedModel loaded, PrintStream log) throws Exception {
    ServedPipeline pipeline = localOptions.plan(loaded);
    log.println("Starting a local pipeline of " + pipeline.stageCount() + " stages ...");
    cluster = localOptions.start(pipeline);
    if (compareMonolithic) {
      served = ServedBaseline.start(loaded, localOptions, pipeline);
      log.println("Starting the " + served.description() + " ...");
      served.cluster().awaitReady(Duration.ofMinutes(10));
    }
    cluster.awaitReady(Duration.ofMinutes(10));
    return OipLoad.Endpoint.of(cluster);
  }

  private OipLoad.Endpoint remote() {
    String baseUrl = HttpOipClient.stripSlash(target.url);
    URI uri = URI.create(baseUrl);
    return new OipLoad.Endpoint(
        baseUrl, grpcTarget != null ? grpcTarget : uri.getHost() + ":" + (uri.getPort() + 1));
  }

  private BatchingConfig localBatching() {
    return localOptions.dispatcherSettings(1).batching();
  }

  private IntConsumer killer(AtomicReference<String> killed, PrintStream log) {
    return done -> {
      if (killAfter != null && done >= killAfter && killed.get() == null) {
        killOne(cluster, killed, log);
      }
    };
  }

  /** Stops a local cluster; its worker logs matter only when something failed. */
  private static void closeLocal(LocalCluster local, boolean passed, PrintStream log) {
    if (local == null) {
      return;
    }
    local.close();
    if (passed) {
      local.deleteWorkerLogs();
    } else {
      log.println("Worker logs: " + local.workerLogs());
    }
  }

  private static void killOne(
      LocalCluster cluster, AtomicReference<String> killed, PrintStream log) {
    int stages = cluster.pipeline().stageCount();
    Optional<String> victim = cluster.workerOfStage(stages / 2);
    if (victim.isPresent() && killed.compareAndSet(null, victim.get())) {
      long pid = cluster.kill(victim.get());
      log.println(
          System.lineSeparator()
              + "Killed "
              + victim.get()
              + " (pid "
              + pid
              + ", stage "
              + (stages / 2)
              + ") with SIGKILL");
    }
  }

  /** The dispatcher's replay counter, or 0 when it cannot be read. */
  static double replays(String baseUrl, ClientCredentials credentials) {
    try {
      Matcher matcher = REPLAYS.matcher(scrape(baseUrl, credentials));
      return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
    } catch (Exception e) {
      return 0;
    }
  }

  /** The dispatcher's hop byte counters, or none when they cannot be read. */
  static HopBytes hopBytes(String baseUrl, ClientCredentials credentials) {
    try {
      return HopBytes.parse(scrape(baseUrl, credentials));
    } catch (Exception e) {
      return HopBytes.NONE;
    }
  }

  private static String scrape(String baseUrl, ClientCredentials credentials) throws Exception {
    return credentials
        .http(HttpClient.newBuilder())
        .build()
        .send(
            credentials
                .authorize(HttpRequest.newBuilder(URI.create(baseUrl + "/metrics")))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** --tolerance, else 1e-4 for exact floats and no limit when the local pipeline rounds them. */
  private double answerTolerance() {
    if (tolerance != null) {
      return tolerance;
    }
    boolean lossy = target.local && localOptions.serving.wireEncoding().lossy();
    return lossy ? Double.POSITIVE_INFINITY : TOLERANCE;
  }

  private double[] inputRange() {
    if (inputRange.length != 2 || !(inputRange[0] < inputRange[1])) {
      throw new IllegalArgumentException(
          "--input-range takes the lowest and highest value, e.g. -1,1");
    }
    return inputRange;
  }
}
