package dev.adapt.core.testing;

import dev.adapt.core.membership.EtcdSettings;
import dev.adapt.core.security.TlsFiles;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real single-node etcd for tests: Debian's {@code etcd-server} binary on free loopback ports
 * with a temporary data directory. It can be stopped (gracefully or with SIGKILL) and started again
 * on the same ports and data, to play an outage. {@link #close()} kills it and deletes the data.
 *
 * <pre>{@code
 * static EtcdServer etcd;
 * @BeforeAll static void startEtcd() { etcd = EtcdServer.start(); }
 * @AfterAll static void stopEtcd() { etcd.close(); }
 * ... EtcdMembership.connect(etcd.clientSettings(), pipeline) ...
 * }</pre>
 *
 * <p>{@link #startTls} serves clients over TLS with client-certificate authentication, as the
 * managed etcd of a pipeline with mutual TLS does; its health is read over a plaintext metrics
 * listener, which serves nothing else.
 */
public final class EtcdServer implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final int PORT_ATTEMPTS = 5;

  private final Path binary;
  private final Path directory;
  private final Path log;
  private final String clusterToken = "adapt-test-" + UUID.randomUUID();
  private final Thread cleanupOnExit;
  private final TlsFiles tls;
  private int clientPort;
  private int metricsPort;
  private int peerPort;
  private Process process;
  private boolean initialized;

  private EtcdServer(Path binary, Path directory, TlsFiles tls) {
    this.binary = binary;
    this.tls = tls;
    this.directory = directory;
    this.log = directory.resolve("etcd.log");
    this.cleanupOnExit = new Thread(this::killQuietly, "etcd-server-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanupOnExit);
  }

  /** Starts etcd on free ports and waits until it serves. */
  public static EtcdServer start() {
    return start(null);
  }

  /**
   * Starts etcd serving clients on https:// with {@code server}'s certificate and accepting only
   * clients whose certificate its {@code ca.crt} signed ({@code --client-cert-auth}).
   */
  public static EtcdServer startTls(TlsFiles server) {
    return start(server.requireReadable());
  }

  private static EtcdServer start(TlsFiles tls) {
    Path binary = findBinary();
    Path directory;
    try {
      directory = Files.createTempDirectory("adapt-etcd-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a data directory for etcd", e);
    }
    EtcdServer server = new EtcdServer(binary, directory, tls);
    try {
      server.startOnFreePorts();
      return server;
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
  }

  /**
   * How long a test's own read or write of this etcd may take. The components under test keep their
   * own, short operation timeouts; the test's client waits as long as a busy machine needs, so that
   * set-up and checks do not fail for want of a core.
   */
  public static final Duration TEST_CLIENT_TIMEOUT = Duration.ofSeconds(60);

  /** Settings for a test's own client of this etcd: its endpoint, {@link #TEST_CLIENT_TIMEOUT}. */
  public EtcdSettings clientSettings() {
    return EtcdSettings.of(endpoint()).withOperationTimeout(TEST_CLIENT_TIMEOUT);
  }

  /** The client URL, e.g. {@code http://127.0.0.1:40123} ({@code https://} with TLS). */
  public String endpoint() {
    return (tls == null ? "http" : "https") + "://127.0.0.1:" + clientPort;
  }

  public int clientPort() {
    return clientPort;
  }

  public Path logFile() {
    return log;
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Stops etcd with SIGTERM and waits for it to exit. */
  public synchronized void stop() {
    if (process != null) {
      process.destroy();
      awaitExit();
    }
  }

  /** Stops etcd with SIGKILL, as a crash or a lost node would. */
  public synchronized void kill() {
    if (process != null) {
      process.destroyForcibly();
      awaitExit();
    }
  }

  /** Starts etcd again on the same ports and data after {@link #stop()} or {@link #kill()}. */
  public synchronized void restart() {
    if (isRunning()) {
      throw new IllegalStateException("etcd is still running");
    }
    launch();
    awaitHealthy();
  }

  /**
   * Starts etcd again on the same ports, but empty, after {@link #stop()} or {@link #kill()}: a
   * member whose data was on a volume that went with its pod (an emptyDir). Same name, addresses
   * and cluster token, so clients cannot tell it from the old member but by its contents.
   */
  public synchronized void restartEmpty() {
    if (isRunning()) {
      throw new IllegalStateException("etcd is still running");
    }
    deleteData();
    initialized = false;
    launch();
    awaitHealthy();
    initialized = true;
  }

  @Override
  public synchronized void close() {
    killQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
    } catch (IllegalStateException shuttingDown) {
      // The hook runs anyway.
    }
    deleteDirectory();
  }

  private void startOnFreePorts() {
    for (int attempt = 1; ; attempt++) {
      clientPort = FreePorts.next();
      peerPort = FreePorts.next();
      metricsPort = FreePorts.next();
      launch();
      try {
        awaitHealthy();
        initialized = true;
        return;
      } catch (IllegalStateException e) {
        killQuietly();
        boolean portTaken = logTail().contains("address already in use");
        if (!portTaken || attempt == PORT_ATTEMPTS) {
          throw e;
        }
        deleteData();
      }
    }
  }

  private void launch() {
    List<String> command =
        new ArrayList<>(
            List.of(
                binary.toString(),
                "--name=adapt-test",
                "--data-dir=" + directory.resolve("data"),
                "--listen-client-urls=" + endpoint(),
                "--advertise-client-urls=" + endpoint(),
                "--listen-metrics-urls=http://127.0.0.1:" + metricsPort,
                "--listen-peer-urls=http://127.0.0.1:" + peerPort,
                "--initial-advertise-peer-urls=http://127.0.0.1:" + peerPort,
                "--initial-cluster=adapt-test=http://127.0.0.1:" + peerPort,
                "--initial-cluster-token=" + clusterToken,
                "--initial-cluster-state=" + (initialized ? "existing" : "new"),
                "--logger=zap",
                "--log-outputs=stderr"));
    if (tls != null) {
      command.addAll(
          List.of(
              "--cert-file=" + tls.certificateChain(),
              "--key-file=" + tls.privateKey(),
              "--client-cert-auth",
              "--trusted-ca-file=" + tls.trustedCa()));
    }
    try {
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + binary, e);
    }
  }

  private void awaitHealthy() {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest health =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/health"))
            .timeout(Duration.ofSeconds(2))
            .build();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "etcd exited with status "
                + process.exitValue()
                + " while starting; log:\n"
                + logTail());
      }
      try {
        HttpResponse<String> response = http.send(health, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200 && response.body().contains("\"true\"")) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for etcd", e);
      }
      sleep(Duration.ofMillis(50));
    }
    throw new IllegalStateException(
        "etcd did not become healthy within " + START_TIMEOUT + "; log:\n" + logTail());
  }

  private void awaitExit() {
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private void killQuietly() {
    Process running = process;
    if (running != null && running.isAlive()) {
      running.destroyForcibly();
      try {
        running.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The last lines etcd logged, for failure messages. */
  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private void deleteData() {
    deleteTree(directory.resolve("data"));
  }

  private void deleteDirectory() {
    deleteTree(directory);
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }

  private static Path findBinary() {
    Optional<Path> onPath =
        Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            .filter(dir -> !dir.isEmpty())
            .map(dir -> Path.of(dir, "etcd"))
            .filter(Files::isExecutable)
            .findFirst();
    return onPath
        .or(() -> Optional.of(Path.of("/usr/bin/etcd")).filter(Files::isExecutable))
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "etcd is not installed: no executable 'etcd' on PATH or at /usr/bin/etcd."
                        + " Install the Debian package etcd-server (apt-get install etcd-server)."));
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
