package dev.adapt.operator.testing;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.cert.CertManager;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A kube-controller-manager running against a kube-api-test API server, so that end-to-end tests
 * get real workload controllers: Deployments create ReplicaSets, ReplicaSets and StatefulSets
 * create Pods, and owned objects are garbage-collected. There are no nodes, so Pods stay Pending.
 *
 * <pre>{@code
 * try (var kcm = ControllerManagerProcess.start(apiServer)) {
 *   // create a Deployment, wait for its ReplicaSet and Pods
 * }
 * }</pre>
 */
public final class ControllerManagerProcess implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ControllerManagerProcess.class);
  private static final Logger processLog =
      LoggerFactory.getLogger(ControllerManagerProcess.class.getName() + ".output");

  /**
   * Workload controllers, the garbage collector for owned objects, and the ones a namespace needs:
   * without namespace-controller a deleted namespace stays Terminating forever, the service-account
   * controllers give every namespace its {@code default} account and token, and the root CA
   * publisher its {@code kube-root-ca.crt} ConfigMap.
   */
  public static final List<String> CONTROLLERS =
      List.of(
          "deployment-controller",
          "replicaset-controller",
          "statefulset-controller",
          "garbage-collector-controller",
          "endpointslice-controller",
          "namespace-controller",
          "root-ca-certificate-publisher-controller",
          "serviceaccount-controller",
          "serviceaccount-token-controller");

  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final int OUTPUT_TAIL_LINES = 40;

  private final Process process;
  private final Path workDir;
  private final Deque<String> outputTail = new ArrayDeque<>();
  private final Thread shutdownHook;

  private ControllerManagerProcess(Process process, Path workDir) {
    this.process = process;
    this.workDir = workDir;
    // A test that dies before close() must not leave the process running after the JVM.
    this.shutdownHook = new Thread(process::destroyForcibly, "kube-controller-manager-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    Thread reader = new Thread(this::pumpOutput, "kube-controller-manager-output");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts kube-controller-manager against a started kube-api-test server. It signs service account
   * tokens with the key kube-api-test gives the API server for verifying them.
   */
  public static ControllerManagerProcess start(KubeAPIServer apiServer) {
    Path certDir = KubeApiTestBinaries.testDir();
    return start(
        apiServer.getKubeConfigYaml(),
        certDir.resolve(CertManager.API_SERVER_KEY_NAME),
        certDir.resolve(CertManager.API_SERVER_CERT_NAME));
  }

  /**
   * Starts kube-controller-manager with the given kubeconfig (cluster-admin credentials), the
   * private key matching the API server's {@code --service-account-key-file}, and the CA that pods
   * should trust for the API server.
   */
  public static ControllerManagerProcess start(
      String kubeConfigYaml, Path serviceAccountKey, Path rootCa) {
    Path binary = KubeApiTestBinaries.binary(KubeApiTestBinaries.KUBE_CONTROLLER_MANAGER);
    try {
      Path workDir = Files.createTempDirectory("kube-controller-manager");
      Path kubeconfig = Files.writeString(workDir.resolve("kubeconfig.yaml"), kubeConfigYaml);
      int port = freePort();
      List<String> command = new ArrayList<>();
      command.add(binary.toString());
      command.add("--kubeconfig=" + kubeconfig);
      // No --authentication-kubeconfig: kube-api-test configures no request-header CA, and the
      // delegated authenticator would log an error for it every few seconds. Only /healthz is
      // needed, which is always allowed.
      command.add("--controllers=" + String.join(",", CONTROLLERS));
      command.add("--leader-elect=false");
      command.add("--bind-address=127.0.0.1");
      command.add("--secure-port=" + port);
      command.add("--cert-dir=" + workDir.resolve("certs"));
      command.add("--service-account-private-key-file=" + serviceAccountKey);
      command.add("--root-ca-file=" + rootCa);
      Process process =
          new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
      log.info(
          "Started kube-controller-manager (pid {}) with controllers {}",
          process.pid(),
          CONTROLLERS);
      ControllerManagerProcess manager = new ControllerManagerProcess(process, workDir);
      try {
        manager.awaitHealthy(port);
      } catch (RuntimeException e) {
        manager.close();
        throw e;
      }
      return manager;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start " + binary, e);
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The last lines the process printed, for assertion messages. */
  public String outputTail() {
    synchronized (outputTail) {
      return String.join("\n", outputTail);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        log.warn("kube-controller-manager did not stop in {}; killing it", STOP_TIMEOUT);
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down; the hook is running or has run.
    }
    deleteRecursively(workDir);
    log.info("Stopped kube-controller-manager (pid {})", process.pid());
  }

  private void awaitHealthy(int port) {
    // HTTP/1.1: the Go server answers the JDK's HTTP/2 upgrade with GOAWAY.
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(trustAllContext())
            .build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/healthz"))
            .timeout(Duration.ofSeconds(2))
            .build();
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "kube-controller-manager exited with code "
                + process.exitValue()
                + ":\n"
                + outputTail());
      }
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
        last = response.statusCode() + " " + response.body();
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted waiting for kube-controller-manager", e);
      }
      sleep(Duration.ofMillis(200));
    }
    throw new IllegalStateException(
        "kube-controller-manager not healthy after "
            + STARTUP_TIMEOUT
            + " (last answer: "
            + last
            + "):\n"
            + outputTail());
  }

  private void pumpOutput() {
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        processLog.debug("{}", line);
        synchronized (outputTail) {
          if (outputTail.size() == OUTPUT_TAIL_LINES) {
            outputTail.removeFirst();
          }
          outputTail.addLast(line);
        }
      }
    } catch (IOException e) {
      // The stream closes when the process is killed; nothing left to read.
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  // The health endpoint serves a self-signed certificate generated at startup, on loopback only.
  private static SSLContext trustAllContext() {
    TrustManager trustAll =
        new X509TrustManager() {
          @Override
          public void checkClientTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
          }
        };
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trustAll}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted", e);
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log.debug("Could not delete {}: {}", dir, e.toString());
    }
  }
}
