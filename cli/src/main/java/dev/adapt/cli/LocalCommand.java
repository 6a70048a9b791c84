package dev.adapt.cli;

import dev.adapt.core.model.LoadedModel;
import dev.adapt.dispatcher.plans.ServedPipeline;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code adapt local}: the whole pipeline on this machine until Ctrl-C. */
@Command(
    name = "local",
    mixinStandardHelpOptions = true,
    description =
        "Serves a model as a pipeline on this machine: the dispatcher in this process, one JVM per"
            + " worker on loopback, the Open Inference Protocol over HTTP and gRPC.")
public final class LocalCommand implements Callable<Integer> {

  @Mixin LocalOptions options = new LocalOptions();

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    out.println("Loading " + options.source() + " ...");
    LoadedModel loaded = options.load();
    ServedPipeline served = options.plan(loaded);
    out.println(
        "Planned "
            + served.stageCount()
            + " stages"
            + (served.plan().cutPoints().isEmpty()
                ? ""
                : ", cut at " + String.join(", ", served.plan().cutPoints()))
            + "; starting "
            + (served.stageCount() * options.replicas + options.standby)
            + " workers ...");
    LocalCluster cluster = options.start(served);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  out.println("Stopping ...");
                  cluster.close();
                  stopped.countDown();
                },
                "adapt-local-shutdown"));
    cluster.awaitReady(Duration.ofMinutes(10));
    printReady(out, cluster);
    stopped.await();
    return 0;
  }

  static void printReady(PrintStream out, LocalCluster cluster) {
    ServedPipeline served = cluster.pipeline();
    String model = served.model().name();
    out.println("Pipeline '" + cluster.membership().pipeline() + "' serves model " + model + ":");
    out.println("  OIP HTTP  " + cluster.httpUrl() + "/v2/models/" + model + "/infer");
    out.println("  OIP gRPC  " + cluster.grpcTarget());
    out.println("  metrics   " + cluster.httpUrl() + "/metrics");
    if (cluster.dispatcher().clientTokensRequired()) {
      out.println("  auth      Authorization: Bearer <token> (health endpoints open)");
    }
    out.println(
        "  workers   "
            + cluster.workers().values().stream()
                .map(w -> w.workerId + " (pid " + w.pid() + ", " + w.address() + ")")
                .collect(Collectors.joining(", ")));
    out.println("  logs      " + cluster.workerLogs());
    out.println("Ready. Press Ctrl-C to stop.");
    out.flush();
  }
}
