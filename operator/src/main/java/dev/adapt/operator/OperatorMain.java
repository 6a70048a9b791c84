package dev.adapt.operator;

import com.sun.net.httpserver.HttpServer;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the operator in a cluster (or against the current kubeconfig). Settings come from the
 * environment, as the operator's Deployment sets them:
 *
 * <ul>
 *   <li>{@code ADAPT_WATCH_NAMESPACES}: comma-separated namespaces to watch; all when empty
 *   <li>{@code ADAPT_WORKER_IMAGE}, {@code ADAPT_WORKER_GPU_IMAGE}, {@code ADAPT_DISPATCHER_IMAGE},
 *       {@code ADAPT_ETCD_IMAGE}: images of pipelines that name none
 *   <li>{@code POD_NAMESPACE}: where the leader election lease lives; without it there is no leader
 *       election (run one replica)
 *   <li>{@code ADAPT_HEALTH_PORT}: the port of {@code /healthz} and {@code /readyz} (8080)
 * </ul>
 */
public final class OperatorMain {

  private static final Logger log = LoggerFactory.getLogger(OperatorMain.class);

  private OperatorMain() {}

  public static void main(String[] args) throws IOException {
    Map<String, String> env = System.getenv();
    OperatorConfig config = OperatorConfig.fromEnvironment(env);
    String leaseNamespace = env.getOrDefault("POD_NAMESPACE", "");
    Operator operator =
        new Operator(
            overrider -> {
              if (!leaseNamespace.isBlank()) {
                overrider.withLeaderElectionConfiguration(
                    new LeaderElectionConfiguration("adapt-operator", leaseNamespace));
              }
            });
    Set<String> namespaces =
        Arrays.stream(env.getOrDefault("ADAPT_WATCH_NAMESPACES", "").split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toSet());
    operator.register(
        new InferencePipelineReconciler(config),
        overrider -> {
          if (!namespaces.isEmpty()) {
            overrider.settingNamespaces(namespaces);
          }
        });
    operator.installShutdownHook(Duration.ofSeconds(20));
    operator.start();
    int port = Integer.parseInt(env.getOrDefault("ADAPT_HEALTH_PORT", "8080"));
    serveHealth(operator, port);
    log.info(
        "ADAPT operator started; watching {}; health on port {}",
        namespaces.isEmpty() ? "all namespaces" : namespaces,
        port);
  }

  /** Liveness: the process answers. Readiness: started, and every informer is healthy. */
  private static void serveHealth(Operator operator, int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/healthz", exchange -> respond(exchange, 200, "ok"));
    server.createContext(
        "/readyz",
        exchange -> {
          var runtime = operator.getRuntimeInfo();
          boolean ready = runtime.isStarted() && runtime.allEventSourcesAreHealthy();
          respond(exchange, ready ? 200 : 503, ready ? "ready" : "not ready");
        });
    server.start();
  }

  private static void respond(com.sun.net.httpserver.HttpExchange exchange, int code, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
