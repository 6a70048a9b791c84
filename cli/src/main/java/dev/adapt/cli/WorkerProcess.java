package dev.adapt.cli;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One worker JVM started by the local launcher: the same java binary and class path as this
 * process, wrapped in {@link ParentWatch} so that it exits when the launcher dies.
 */
final class WorkerProcess {
  final String workerId;
  final String host;
  final int port;
  final Process process;

  private WorkerProcess(String workerId, String host, int port, Process process) {
    this.workerId = workerId;
    this.host = host;
    this.port = port;
    this.process = process;
  }

  /**
   * Where a worker runs: the address it binds and advertises, and what its command line is wrapped
   * in (for an emulated device: entering the device's cgroups and network namespace).
   */
  record Host(String address, UnaryOperator<List<String>> wrapper) {
    static final Host LOOPBACK = new Host("127.0.0.1", UnaryOperator.identity());
  }

  /** How worker JVMs are started. */
  record Spec(
      String classPath,
      String pipeline,
      String etcd,
      int intraOpThreads,
      int interOpThreads,
      boolean threadSpinning,
      int computeThreads,
      String maxHeap,
      Path logDirectory,
      LocalTls tls) {

    /** Plaintext workers. */
    Spec(
        String classPath,
        String pipeline,
        String etcd,
        int intraOpThreads,
        int interOpThreads,
        boolean threadSpinning,
        int computeThreads,
        String maxHeap,
        Path logDirectory) {
      this(
          classPath,
          pipeline,
          etcd,
          intraOpThreads,
          interOpThreads,
          threadSpinning,
          computeThreads,
          maxHeap,
          logDirectory,
          null);
    }
  }

  static WorkerProcess start(String workerId, Spec spec) {
    return start(workerId, spec, Host.LOOPBACK);
  }

  /** Starts worker {@code workerId} on {@code host}. */
  static WorkerProcess start(String workerId, Spec spec, Host host) {
    int port = freePort();
    File log = spec.logDirectory().resolve(workerId + ".log").toFile();
    ProcessBuilder builder =
        new ProcessBuilder(host.wrapper().apply(command(workerId, host.address(), port, spec)))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
            // Standard input stays a pipe held by this process: its end tells the worker to exit.
            .redirectInput(ProcessBuilder.Redirect.PIPE);
    // TensorFlow's native INFO lines (oneDNN, CPU features, SavedModel reading) are noise in the
    // worker logs; a level the user set wins.
    builder.environment().putIfAbsent("TF_CPP_MIN_LOG_LEVEL", "2");
    try {
      Process process = builder.start();
      return new WorkerProcess(workerId, host.address(), port, process);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start worker " + workerId, e);
    }
  }

  /** The command line of worker {@code workerId} serving on loopback at {@code port}. */
  static List<String> command(String workerId, int port, Spec spec) {
    return command(workerId, Host.LOOPBACK.address(), port, spec);
  }

  /** The command line of worker {@code workerId} serving on {@code host:port}. */
  static List<String> command(String workerId, String host, int port, Spec spec) {
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    command.add("-Xmx" + spec.maxHeap());
    command.add("-XX:+UseSerialGC");
    command.add("-cp");
    command.add(spec.classPath());
    command.add(ParentWatch.class.getName());
    command.add("dev.adapt.worker.WorkerMain");
    command.addAll(
        List.of(
            "--worker-id",
            workerId,
            "--bind-address",
            host,
            "--port",
            Integer.toString(port),
            "--advertise-address",
            host + ":" + port,
            "--pipeline",
            spec.pipeline(),
            "--etcd",
            spec.etcd() == null ? "none" : spec.etcd(),
            "--intra-op-threads",
            Integer.toString(spec.intraOpThreads()),
            "--inter-op-threads",
            Integer.toString(spec.interOpThreads()),
            spec.threadSpinning() ? "--thread-spinning" : "--no-thread-spinning",
            "--compute-threads",
            Integer.toString(spec.computeThreads())));
    if (spec.tls() != null) {
      command.add("--peer-tls-dir");
      command.add(spec.tls().directoryOf(workerId).toString());
    }
    return command;
  }

  String address() {
    return host + ":" + port;
  }

  long pid() {
    return process.pid();
  }

  static String javaBinary() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }
}
