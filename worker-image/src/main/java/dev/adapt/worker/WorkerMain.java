package dev.adapt.worker;

import dev.adapt.core.membership.EtcdSettings;
import dev.adapt.core.security.PeerTls;
import dev.adapt.core.slice.ExecutorOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs one worker process until it is told to stop (SIGTERM or SIGINT). */
@Command(
    name = "adapt-worker",
    mixinStandardHelpOptions = true,
    description =
        "Runs one stage of an ADAPT pipeline: receives slices, runs batches, forwards them.")
public final class WorkerMain implements Callable<Integer> {

  @Option(
      names = "--pipeline",
      defaultValue = "default",
      description = "Pipeline this worker serves (default: ${DEFAULT-VALUE}).")
  String pipeline;

  @Option(
      names = "--worker-id",
      defaultValue = "${env:HOSTNAME}",
      description = "Unique id within the pipeline (default: the host name).")
  String workerId;

  @Option(
      names = "--port",
      defaultValue = "9000",
      description = "gRPC port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--bind-address",
      defaultValue = "0.0.0.0",
      description = "Interface to listen on (default: ${DEFAULT-VALUE}).")
  String bindAddress;

  @Option(
      names = "--advertise-address",
      description = "host:port others reach this worker at (default: host name and port).")
  String advertiseAddress;

  @Option(
      names = "--health-port",
      defaultValue = "${env:ADAPT_HEALTH_PORT:--1}",
      description =
          "Port of a plaintext gRPC server with only grpc.health.v1.Health (same status as the"
              + " main port), for kubelet probes while the main port requires mutual TLS; 0 picks"
              + " a free one, -1 serves health on the main port only (default: ${DEFAULT-VALUE},"
              + " from ADAPT_HEALTH_PORT when set).")
  int healthPort;

  @Option(
      names = "--peer-tls-dir",
      defaultValue = "${env:ADAPT_PEER_TLS_DIR}",
      description =
          "Directory with tls.crt, tls.key and ca.crt (a mounted TLS Secret): the gRPC server"
              + " then requires a client certificate of that CA, calls to other workers and to"
              + " https:// etcd endpoints present tls.crt; re-read every minute (default:"
              + " plaintext, or ADAPT_PEER_TLS_DIR when set).")
  Path peerTlsDir;

  @Option(
      names = "--etcd",
      defaultValue = "none",
      description =
          "Comma-separated etcd endpoints to register with, or 'none' when a launcher follows"
              + " this process (default: ${DEFAULT-VALUE}).")
  String etcd;

  @Option(
      names = "--lease-ttl",
      defaultValue = "3s",
      converter = DurationConverter.class,
      description =
          "Lifetime of the etcd registration without renewal (default: ${DEFAULT-VALUE}).")
  Duration leaseTtl;

  @Option(
      names = "--intra-op-threads",
      defaultValue = "${env:ADAPT_INTRA_OP_THREADS:-0}",
      description =
          "TensorFlow threads per operation; 0 = one per core the process may run on, which in a"
              + " container is the node's, not the CPU limit (default: ${DEFAULT-VALUE}, from"
              + " ADAPT_INTRA_OP_THREADS when set).")
  int intraOpThreads;

  @Option(
      names = "--inter-op-threads",
      defaultValue = "${env:ADAPT_INTER_OP_THREADS:-0}",
      description =
          "TensorFlow operations run in parallel; 0 = TensorFlow's choice (default:"
              + " ${DEFAULT-VALUE}, from ADAPT_INTER_OP_THREADS when set).")
  int interOpThreads;

  @Option(
      names = "--thread-spinning",
      defaultValue = "${env:ADAPT_THREAD_SPINNING:-true}",
      negatable = true,
      fallbackValue = "true",
      description =
          "Let idle TensorFlow threads spin before sleeping (default: ${DEFAULT-VALUE}, from"
              + " ADAPT_THREAD_SPINNING when set); turn off when several workers share the"
              + " cores.")
  boolean threadSpinning;

  @Option(
      names = "--metrics-port",
      defaultValue = "-1",
      description =
          "Port of /metrics; 0 picks a free one, -1 serves none (default: ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(
      names = "--compute-threads",
      defaultValue = "2",
      description = "Batches computed at once (default: ${DEFAULT-VALUE}).")
  int computeThreads;

  @Option(
      names = "--queue",
      defaultValue = "32",
      description = "Batches waiting beyond those computing (default: ${DEFAULT-VALUE}).")
  int queue;

  @Option(
      names = "--max-slices",
      defaultValue = "2",
      description = "Slices held at once (default: ${DEFAULT-VALUE}: current and previous).")
  int maxSlices;

  @Option(
      names = "--warm-up-batch-sizes",
      split = ",",
      defaultValue = "1",
      description =
          "Batch sizes a newly loaded slice runs once each, on zeros, before the worker announces"
              + " it; 0 turns warming off (default: ${DEFAULT-VALUE}: the slow first run is the"
              + " session's rather than the batch size's; add the dispatcher's max batch size, as"
              + " in 1,8, to prime that shape too).")
  List<Integer> warmUpBatchSizes;

  @Option(
      names = "--shutdown-grace",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description = "Time in-flight batches get on shutdown (default: ${DEFAULT-VALUE}).")
  Duration shutdownGrace;

  public static void main(String[] args) {
    System.exit(new CommandLine(new WorkerMain()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    WorkerSettings settings = settings();
    ExecutorOptions threads = new ExecutorOptions(intraOpThreads, interOpThreads, threadSpinning);
    SliceLoader loader = new TensorFlowSliceLoader(threads);
    String device = DeviceProbe.describe(threads);
    Worker worker = Worker.start(settings, loader, device);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  worker.close();
                  stopped.countDown();
                },
                "worker-shutdown"));
    // A launcher that passed port 0 reads the port from this line.
    System.out.println(
        "ADAPT worker " + settings.workerId() + " listening on port " + worker.port());
    System.out.flush();
    worker.awaitTermination();
    stopped.await();
    return 0;
  }

  WorkerSettings settings() {
    if (workerId == null || workerId.isBlank() || workerId.equals("null")) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--worker-id is required where HOSTNAME is not set");
    }
    Optional<PeerTls> peerTls = PeerTls.fromDirectory(peerTlsDir);
    Optional<EtcdSettings> etcdSettings =
        etcd.equalsIgnoreCase("none")
            ? Optional.empty()
            : Optional.of(EtcdSettings.of(etcd).withLeaseTtl(leaseTtl).withTls(peerTls));
    return new WorkerSettings(
        pipeline,
        workerId,
        bindAddress,
        port,
        advertiseAddress,
        etcdSettings,
        metricsPort,
        computeThreads,
        queue,
        maxSlices,
        warmUpBatchSizes.equals(List.of(0)) ? List.of() : warmUpBatchSizes,
        WorkerSettings.DEFAULT_MAX_SLICE_BYTES,
        Duration.ofSeconds(60),
        shutdownGrace,
        peerTls,
        healthPort);
  }

  /** Reads {@code 500ms}, {@code 3s}, {@code 2m} or ISO-8601 ({@code PT3S}). */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m|h)");

    @Override
    public Duration convert(String value) {
      Matcher simple = SIMPLE.matcher(value.trim().toLowerCase(Locale.ROOT));
      if (simple.matches()) {
        long amount = Long.parseLong(simple.group(1));
        return switch (simple.group(2)) {
          case "ms" -> Duration.ofMillis(amount);
          case "s" -> Duration.ofSeconds(amount);
          case "m" -> Duration.ofMinutes(amount);
          default -> Duration.ofHours(amount);
        };
      }
      try {
        return Duration.parse(value);
      } catch (RuntimeException e) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a duration: use e.g. 500ms, 3s, 2m or PT3S");
      }
    }
  }
}
