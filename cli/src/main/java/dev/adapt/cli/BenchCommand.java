package dev.adapt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.model.ModelLoader;
import dev.adapt.core.model.ModelSource;
import dev.adapt.core.slice.ExecutorOptions;
import dev.adapt.core.tensor.DType;
import dev.adapt.dispatcher.BatchingConfig;
import dev.adapt.dispatcher.ModelInfo;
import dev.adapt.dispatcher.PipelineFactory;
import dev.adapt.dispatcher.ServedPipeline;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
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
        description = "Base URL of a running dispatcher (http://host:port).")
    String url;

    @Option(names = "--local", description = "Start a local pipeline (the `adapt local` options).")
    boolean local;
  }

  @picocli.CommandLine.Mixin LocalOptions localOptions = new LocalOptions();

  @Option(names = "--requests", defaultValue = "200", description = "Requests to send.")
  int requests;

  @Option(names = "--concurrency", defaultValue = "8", description = "Concurrent callers.")
  int concurrency;

  @Option(
      names = "--warmup",
      defaultValue = "-1",
      description = "Unmeasured requests sent first (default: 2 per caller).")
  int warmup;

  @Option(
      names = "--kill-worker-after",
      description = "With --local: SIGKILL one worker process after this many answers.")
  Integer killAfter;

  @Option(
      names = "--compare-monolithic",
      description = "Also measure the unsplit model in this process at the same concurrency.")
  boolean compareMonolithic;

  @Option(
      names = "--rounds",
      defaultValue = "4",
      description =
          "With --compare-monolithic: alternate pipeline and unsplit model in this many rounds, so"
              + " that changing load on the machine affects both alike (default: ${DEFAULT-VALUE}).")
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
      names = "--distinct-inputs",
      defaultValue = "8",
      description = "Distinct inputs cycled through (default: ${DEFAULT-VALUE}).")
  int distinctInputs;

  @Option(
      names = "--request-timeout-ms",
      defaultValue = "120000",
      description = "Client-side timeout of one request (default: ${DEFAULT-VALUE}).")
  long requestTimeoutMs;

  static final double TOLERANCE = 1e-4;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    PrintStream log = json ? System.err : System.out;
    if (killAfter != null && !target.local) {
      throw new IllegalArgumentException("--kill-worker-after needs --local");
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
      inputs = new BenchInputs(model.input(), distinctInputs, reference);
    }
    LocalCluster cluster = null;
    boolean passed = false;
    try {
      String baseUrl;
      String grpc;
      if (target.local) {
        ServedPipeline served = localOptions.plan(loaded);
        log.println("Starting a local pipeline of " + served.stageCount() + " stages ...");
        cluster = localOptions.start(served);
        cluster.awaitReady(Duration.ofMinutes(10));
        baseUrl = "http://" + cluster.dispatcher().host() + ":" + cluster.dispatcher().httpPort();
        grpc = cluster.dispatcher().host() + ":" + cluster.dispatcher().grpcPort();
      } else {
        baseUrl = HttpOipClient.stripSlash(target.url);
        URI uri = URI.create(baseUrl);
        grpc = grpcTarget != null ? grpcTarget : uri.getHost() + ":" + (uri.getPort() + 1);
      }
      Supplier<OipClient> clients = clients(baseUrl, grpc, model);
      int warm = warmup >= 0 ? warmup : 2 * concurrency;
      if (warm > 0) {
        log.println("Warming up with " + warm + " requests ...");
        LoadRun.run(
            clients, warm, concurrency, inputs::input, null, TOLERANCE, done -> {}, quiet(log));
      }
      double replaysBefore = replays(baseUrl);
      AtomicReference<String> killed = new AtomicReference<>();
      LocalCluster running = cluster;
      MonolithicRun baseline =
          compareMonolithic
              ? new MonolithicRun(loaded, inputs, localBatching(), concurrency)
              : null;
      try {
        int parts = compareMonolithic ? Math.max(1, Math.min(rounds, requests)) : 1;
        if (baseline != null) {
          log.println(
              "Comparing with the unsplit model in this process (one TensorFlow session using"
                  + " every core, same batching, "
                  + concurrency
                  + " callers), alternating in "
                  + parts
                  + " rounds ...");
          baseline.run(warm, concurrency);
        }
        log.println(
            "Sending " + requests + " requests from " + concurrency + " callers over " + protocol);
        ProgressBar progress = new ProgressBar(log, requests, ProgressBar.onTerminal());
        LoadRun.Result result = null;
        LoadRun.Result monolithic = null;
        int sent = 0;
        for (int part = 0; part < parts; part++) {
          int count = requests / parts + (part < requests % parts ? 1 : 0);
          LoadRun.Result piece =
              LoadRun.run(
                  clients,
                  sent,
                  count,
                  concurrency,
                  inputs::input,
                  inputs::expected,
                  TOLERANCE,
                  done -> {
                    if (killAfter != null && done >= killAfter && killed.get() == null) {
                      killOne(running, killed, log);
                    }
                  },
                  progress);
          result = result == null ? piece : result.plus(piece);
          sent += count;
          if (baseline != null) {
            LoadRun.Result base = baseline.run(count, concurrency);
            monolithic = monolithic == null ? base : monolithic.plus(base);
          }
        }
        progress.finish();
        double replays = replays(baseUrl) - replaysBefore;
        report(
            out,
            result,
            monolithic == null ? null : monolithic.throughput(),
            replays,
            killed.get());
        passed = result.failed() == 0 && result.duplicates() == 0 && result.mismatches() == 0;
        return passed ? 0 : 1;
      } finally {
        if (baseline != null) {
          baseline.close();
        }
      }
    } finally {
      if (cluster != null) {
        cluster.close();
        // Worker logs matter only when something failed (the failures name the requests).
        if (passed) {
          cluster.deleteWorkerLogs();
        } else {
          log.println("Worker logs: " + cluster.workerLogs());
        }
      }
    }
  }

  private BatchingConfig localBatching() {
    return localOptions.dispatcherSettings(1).batching();
  }

  private Supplier<OipClient> clients(String baseUrl, String grpc, ModelInfo model) {
    Duration timeout = Duration.ofMillis(requestTimeoutMs);
    return switch (protocol) {
      case "http" ->
          () ->
              new HttpOipClient(
                  baseUrl, model.name(), model.input().name(), model.output().name(), timeout);
      case "grpc" -> () -> new GrpcOipClient(grpc, model.name(), model.input().name(), timeout);
      default ->
          throw new IllegalArgumentException("--protocol must be http or grpc, not " + protocol);
    };
  }

  private static ProgressBar quiet(PrintStream log) {
    return new ProgressBar(log, 1, false);
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
  static double replays(String baseUrl) {
    try {
      HttpResponse<String> metrics =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(baseUrl + "/metrics"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      Matcher matcher = REPLAYS.matcher(metrics.body());
      return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
    } catch (Exception e) {
      return 0;
    }
  }

  private void report(
      PrintStream out, LoadRun.Result result, Double monolithic, double replays, String killed)
      throws Exception {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode report = mapper.createObjectNode();
    report.put("requests", result.requests());
    report.put("succeeded", result.succeeded());
    report.put("failed", result.failed());
    report.put("duplicates", result.duplicates());
    report.put("mismatches", result.mismatches());
    report.put("throughputRps", round(result.throughput()));
    ObjectNode latency = report.putObject("latencyMs");
    latency.put("p50", round(result.percentile(50)));
    latency.put("p99", round(result.percentile(99)));
    latency.put("max", round(result.percentile(100)));
    if (monolithic != null) {
      report.put("monolithicThroughputRps", round(monolithic));
      report.put("ratioVsMonolithic", round(result.throughput() / monolithic));
    } else {
      report.putNull("monolithicThroughputRps");
      report.putNull("ratioVsMonolithic");
    }
    report.put("replays", (long) replays);
    report.put("concurrency", concurrency);
    report.put("protocol", protocol);
    if (killed != null) {
      report.put("killedWorker", killed);
    }
    if (json) {
      out.println(mapper.writeValueAsString(report));
    } else {
      out.printf(
          "requests %d: %d succeeded, %d failed, %d duplicates, %d mismatches%n",
          result.requests(),
          result.succeeded(),
          result.failed(),
          result.duplicates(),
          result.mismatches());
      out.printf(
          "throughput %.2f req/s; latency p50 %.0f ms, p99 %.0f ms, max %.0f ms; replays %d%n",
          result.throughput(),
          result.percentile(50),
          result.percentile(99),
          result.percentile(100),
          (long) replays);
      if (monolithic != null) {
        out.printf(
            "unsplit model %.2f req/s; ratio %.2f%n", monolithic, result.throughput() / monolithic);
      }
    }
    result.failures().stream().limit(10).forEach(f -> System.err.println("  " + f));
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
