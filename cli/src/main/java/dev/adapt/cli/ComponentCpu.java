package dev.adapt.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Where a local pipeline's CPU goes per image, measured over the pipeline's own rounds only (the
 * baselines' rounds leave it idle): the bench process split into the load generator and the
 * dispatcher, and the worker processes split by what their threads do. Threads are told apart by
 * name, so the split holds for the threads this project names; the JVM's own are named by the JVM.
 *
 * <p>Each process's total is its own count, which keeps the time of threads that ended in the
 * round; the parts are the threads alive at its end. The callers start and end with each round, so
 * in the bench process what ended counts as the client's; in a worker it counts as other.
 */
final class ComponentCpu {
  /** The parts of the bench process. */
  static final List<String> BENCH_PARTS = List.of("client", "dispatcher", "jit", "jvm");

  /** The parts of a worker process. */
  static final List<String> WORKER_PARTS =
      List.of("tensorflow", "compute", "grpc", "jit", "jvm", "other");

  /**
   * Per-image CPU milliseconds.
   *
   * @param bench the bench process by part ({@link #BENCH_PARTS})
   * @param workers all worker processes together by part ({@link #WORKER_PARTS})
   * @param byWorker each worker process in all, by worker id
   */
  record PerImage(
      Map<String, Double> bench, Map<String, Double> workers, Map<String, Double> byWorker) {
    double benchTotal() {
      return sum(bench);
    }

    double workersTotal() {
      return sum(workers);
    }

    private static double sum(Map<String, Double> parts) {
      return parts.values().stream().mapToDouble(Double::doubleValue).sum();
    }
  }

  private final LocalCluster cluster;
  private final long benchPid = ProcessHandle.current().pid();
  private final Map<String, Long> benchNanos = new LinkedHashMap<>();
  private final Map<String, Long> workerNanos = new LinkedHashMap<>();
  private final Map<String, Long> byWorker = new TreeMap<>();
  private long images;

  /** Measures this process and the workers of {@code cluster}. */
  ComponentCpu(LocalCluster cluster) {
    this.cluster = cluster;
    BENCH_PARTS.forEach(part -> benchNanos.put(part, 0L));
    WORKER_PARTS.forEach(part -> workerNanos.put(part, 0L));
  }

  /** Runs {@code contender}'s round, adding what it used to {@code images} images. */
  BenchRounds.Contender measuring(BenchRounds.Contender contender, int leadIn) {
    return (first, count) -> {
      Snapshot before = snapshot();
      LoadRun.Result result = contender.run(first, count);
      add(before, snapshot(), count + leadIn);
      return result;
    };
  }

  /** The per-image CPU so far, or null when nothing could be measured (no {@code /proc}). */
  synchronized PerImage perImage() {
    long benchTotal = benchNanos.values().stream().mapToLong(Long::longValue).sum();
    if (images == 0 || benchTotal == 0) {
      return null;
    }
    return new PerImage(perImage(benchNanos), perImage(workerNanos), perImage(byWorker));
  }

  /** A process's CPU time so far and that of its live threads. */
  private record ProcessSample(long nanos, Map<Long, ThreadCpu.Thread> threads) {
    static ProcessSample of(long pid) {
      Map<Long, ThreadCpu.Thread> threads = ThreadCpu.sample(pid);
      return new ProcessSample(ThreadCpu.processNanos(pid), threads);
    }

    boolean gone() {
      return threads.isEmpty();
    }
  }

  private record Snapshot(ProcessSample bench, Map<String, ProcessSample> workers) {}

  private Snapshot snapshot() {
    Map<String, ProcessSample> workers = new TreeMap<>();
    cluster
        .workers()
        .forEach((id, worker) -> workers.put(id, ProcessSample.of(worker.process.pid())));
    return new Snapshot(ProcessSample.of(benchPid), workers);
  }

  private synchronized void add(Snapshot before, Snapshot after, int roundImages) {
    images += roundImages;
    addByPart(benchNanos, before.bench(), after.bench(), ComponentCpu::benchPart, "client");
    after
        .workers()
        .forEach(
            (id, now) -> {
              // A worker that ended in the round (killed on purpose) took its time with it.
              ProcessSample then = before.workers().get(id);
              if (then != null && !then.gone() && !now.gone()) {
                byWorker.merge(
                    id,
                    addByPart(workerNanos, then, now, ComponentCpu::workerPart, "other"),
                    Long::sum);
              }
            });
  }

  /**
   * Adds each live thread's time to its part and what ended threads used to {@code ended}.
   *
   * @return the process's time in the round
   */
  private static long addByPart(
      Map<String, Long> parts,
      ProcessSample before,
      ProcessSample after,
      Function<String, String> partOf,
      String ended) {
    long live = 0;
    for (ThreadCpu.Thread used : ThreadCpu.since(before.threads(), after.threads()).values()) {
      parts.merge(partOf.apply(used.name()), used.nanos(), Long::sum);
      live += used.nanos();
    }
    // The process count is in 10 ms steps: a round shorter than that may show less than its
    // live threads used.
    long total = Math.max(live, after.nanos() - before.nanos());
    parts.merge(ended, total - live, Long::sum);
    return total;
  }

  private Map<String, Double> perImage(Map<String, Long> nanos) {
    Map<String, Double> perImage = new LinkedHashMap<>();
    nanos.forEach((part, value) -> perImage.put(part, value / 1e6 / images));
    return perImage;
  }

  /**
   * The JVM's own threads: the JIT compilers, and garbage collection with the VM's housekeeping.
   */
  private static String jvmPart(String thread) {
    if (thread.contains("CompilerThre")) {
      return "jit";
    }
    if (thread.startsWith("GC Thread")
        || thread.startsWith("G1 ")
        || thread.startsWith("VM ")
        || thread.equals("Sweeper thread")) {
      return "jvm";
    }
    return null;
  }

  /**
   * A thread of the bench process: the callers and the JDK's HTTP client are the load generator;
   * the rest serve (Jetty, gRPC, batching, routing; with {@code --protocol grpc} the client's gRPC
   * transport threads are shared with the dispatcher's and count as the dispatcher's).
   */
  static String benchPart(String thread) {
    String jvm = jvmPart(thread);
    if (jvm != null) {
      return jvm;
    }
    return thread.startsWith("bench-caller") || thread.startsWith("HttpClient")
        ? "client"
        : "dispatcher";
  }

  /**
   * A thread of a worker process. TensorFlow's native threads take the name of the thread that
   * created them: the main thread ({@code java}) or a slice loader.
   */
  static String workerPart(String thread) {
    String jvm = jvmPart(thread);
    if (jvm != null) {
      return jvm;
    }
    if (thread.equals("java") || thread.startsWith("slice-loader")) {
      return "tensorflow";
    }
    if (thread.startsWith("compute")) {
      return "compute";
    }
    return thread.startsWith("grpc") ? "grpc" : "other";
  }
}
