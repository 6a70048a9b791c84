package dev.adapt.worker.testing;

import dev.adapt.core.testing.FreePorts;
import dev.adapt.core.testing.JavaProcess;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A worker in its own JVM on loopback, started from the test class path ({@code java -cp ...
 * dev.adapt.worker.WorkerMain ...}) and returned once its gRPC health check says SERVING.
 *
 * <pre>{@code
 * try (WorkerProcess worker = WorkerProcess.start("w1", logDir, "--etcd", etcd.endpoint())) {
 *   ... worker.address() ...
 *   worker.kill(); // SIGKILL
 * }
 * }</pre>
 *
 * The test module needs {@code adapt-worker} (and this test-jar) on its test class path.
 */
public final class WorkerProcess implements AutoCloseable {
  private static final String MAIN = "dev.adapt.worker.WorkerMain";
  private static final int PORT_ATTEMPTS = 3;

  private final String workerId;
  private final int port;
  private final JavaProcess process;

  private WorkerProcess(String workerId, int port, JavaProcess process) {
    this.workerId = workerId;
    this.port = port;
    this.process = process;
  }

  /**
   * Starts worker {@code workerId} on a free loopback port with the given extra arguments (e.g.
   * {@code --pipeline}, {@code --etcd}, {@code --intra-op-threads}) and waits until it serves.
   */
  public static WorkerProcess start(String workerId, Path logDirectory, String... extraArgs) {
    return start(workerId, logDirectory, List.of("-Xmx768m"), List.of(extraArgs));
  }

  public static WorkerProcess start(
      String workerId, Path logDirectory, List<String> jvmArgs, List<String> extraArgs) {
    return start(workerId, logDirectory, jvmArgs, extraArgs, InsecureChannelCredentials.create());
  }

  /**
   * Starts a worker whose health is checked with {@code probe}: a client certificate of the
   * pipeline when the worker is given {@code --peer-tls-dir}.
   */
  public static WorkerProcess start(
      String workerId,
      Path logDirectory,
      List<String> jvmArgs,
      List<String> extraArgs,
      ChannelCredentials probe) {
    for (int attempt = 1; ; attempt++) {
      int port = FreePorts.next();
      List<String> args = new ArrayList<>();
      args.add("--worker-id=" + workerId);
      args.add("--port=" + port);
      args.add("--bind-address=127.0.0.1");
      args.add("--advertise-address=127.0.0.1:" + port);
      args.addAll(extraArgs);
      JavaProcess process =
          JavaProcess.start(
              "worker-" + workerId + "-" + attempt, logDirectory, jvmArgs, MAIN, args);
      WorkerProcess worker = new WorkerProcess(workerId, port, process);
      try {
        worker.awaitServing(probe);
        return worker;
      } catch (IllegalStateException e) {
        process.close();
        boolean portTaken = process.logTail(200).contains("Address already in use");
        if (!portTaken || attempt == PORT_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  public String workerId() {
    return workerId;
  }

  public int port() {
    return port;
  }

  /** host:port to put in routes. */
  public String address() {
    return "127.0.0.1:" + port;
  }

  public long pid() {
    return process.pid();
  }

  public ProcessHandle handle() {
    return process.handle();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path logFile() {
    return process.logFile();
  }

  public String logTail(int lines) {
    return process.logTail(lines);
  }

  /** SIGKILL: the worker dies without any chance to clean up. */
  public void kill() {
    process.kill();
  }

  /** SIGTERM: the worker drains and deregisters; returns the exit status. */
  public int stop(Duration grace) {
    return process.stop(grace);
  }

  @Override
  public void close() {
    process.close();
  }

  private void awaitServing(ChannelCredentials probe) {
    ManagedChannel channel = Grpc.newChannelBuilder(address(), probe).build();
    try {
      long deadline = System.nanoTime() + JavaProcess.START_TIMEOUT.toNanos();
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              "worker " + workerId + " exited while starting; log:\n" + process.logTail(40));
        }
        try {
          ServingStatus status =
              HealthGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(1, TimeUnit.SECONDS)
                  .check(HealthCheckRequest.getDefaultInstance())
                  .getStatus();
          if (status == ServingStatus.SERVING) {
            return;
          }
        } catch (StatusRuntimeException notYet) {
          // Not listening yet.
        }
        Thread.sleep(100);
      }
      throw new IllegalStateException(
          "worker "
              + workerId
              + " did not serve within "
              + JavaProcess.START_TIMEOUT
              + "; log:\n"
              + process.logTail(40));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting worker " + workerId, e);
    } finally {
      channel.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return "worker " + workerId + " at " + address() + " (pid " + process.pid() + ")";
  }
}
