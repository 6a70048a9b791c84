package dev.adapt.e2e;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * When a scenario fails, prints what is needed to understand why: every object with its node and
 * IP, the pipeline's status and events, descriptions of pods that are not ready or restarted, and
 * the last log lines of the operator, the dispatcher, etcd and every worker (of the previous
 * container too, after a restart). Also written to {@code e2e/target/logs/diagnostics-*.txt}.
 */
final class Diagnostics implements AfterTestExecutionCallback {

  private static final int LOG_LINES = 80;

  private final Supplier<Cluster> cluster;
  private final String namespace;
  private final String pipeline;

  Diagnostics(Supplier<Cluster> cluster, String namespace, String pipeline) {
    this.cluster = cluster;
    this.namespace = namespace;
    this.pipeline = pipeline;
  }

  @Override
  public void afterTestExecution(ExtensionContext context) {
    if (context.getExecutionException().isEmpty() || cluster.get() == null) {
      return;
    }
    String text = collect();
    System.out.println(text);
    try {
      Path logs = E2eReport.directory().resolve("logs");
      Files.createDirectories(logs);
      Files.writeString(
          logs.resolve("diagnostics-" + context.getRequiredTestMethod().getName() + ".txt"),
          text,
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      System.out.println("(could not write the diagnostics file: " + e + ")");
    }
  }

  String collect() {
    Cluster c = cluster.get();
    StringBuilder out = new StringBuilder("\n======== diagnostics ========\n");
    section(out, c.kubectl("get", "all,ipl", "-A", "-o", "wide"));
    section(out, c.kubectl("get", "ipl", pipeline, "-n", namespace, "-o", "yaml"));
    section(out, c.kubectl("get", "events", "-n", namespace, "--sort-by=.lastTimestamp"), 40);
    section(out, c.kubectl("get", "events", "-n", "adapt-system", "--sort-by=.lastTimestamp"), 20);
    for (String ns : List.of("adapt-system", namespace)) {
      List<Pod> pods;
      try {
        pods = c.client().pods().inNamespace(ns).list().getItems();
      } catch (RuntimeException e) {
        out.append("(cannot list pods of ").append(ns).append(": ").append(e).append(")\n");
        continue;
      }
      for (Pod pod : pods) {
        String name = pod.getMetadata().getName();
        if (!Pipeline.ready(pod) || Pipeline.restarts(pod) > 0) {
          section(out, c.kubectl("describe", "pod", name, "-n", ns));
        }
        section(out, c.kubectl("logs", name, "-n", ns, "--all-containers", "--tail=" + LOG_LINES));
        boolean restarted =
            pod.getStatus() != null
                && pod.getStatus().getContainerStatuses().stream()
                    .map(ContainerStatus::getRestartCount)
                    .anyMatch(r -> r != null && r > 0);
        if (restarted) {
          section(
              out,
              c.kubectl(
                  "logs", name, "-n", ns, "--all-containers", "--previous", "--tail=" + LOG_LINES));
        }
      }
    }
    return out.append("======== end of diagnostics ========\n").toString();
  }

  private static void section(StringBuilder out, Commands.Result result) {
    section(out, result, Integer.MAX_VALUE);
  }

  private static void section(StringBuilder out, Commands.Result result, int lastLines) {
    // The command without the paths of kubectl and the kubeconfig.
    out.append("\n$ kubectl ")
        .append(String.join(" ", result.command().subList(2, result.command().size())))
        .append('\n')
        .append(Bench.lastLines(result.stdout(), lastLines))
        .append('\n');
    if (!result.succeeded()) {
      out.append(result.stderr().strip()).append('\n');
    }
  }
}
