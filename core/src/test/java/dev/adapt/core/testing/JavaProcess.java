package dev.adapt.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A separate JVM running a main class from the test class path, with its output in a log file.
 * {@link #close()} kills it if it still runs, and so does JVM exit. Its temporary files (Vert.x
 * caches, extracted native libraries) go to a {@code tmp} directory beside the log, so that a
 * killed process leaves nothing behind once the test removes its log directory.
 */
public final class JavaProcess implements AutoCloseable {
  /**
   * How long a fresh JVM may take to get going (load its classes, connect, serve) on a busy 2-core
   * machine: many seconds when other builds compete for the cores.
   */
  public static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final String name;
  private final Process process;
  private final Path log;
  private final Thread cleanupOnExit;

  private JavaProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.cleanupOnExit = new Thread(process::destroyForcibly, "kill-" + name);
    Runtime.getRuntime().addShutdownHook(cleanupOnExit);
  }

  /**
   * Starts {@code java <jvmArgs> -cp <test class path> <mainClass> <args>}; output goes to {@code
   * <logDirectory>/<name>.log}.
   */
  public static JavaProcess start(
      String name, Path logDirectory, List<String> jvmArgs, String mainClass, List<String> args) {
    Path temp = logDirectory.resolve("tmp");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Djava.io.tmpdir=" + temp);
    command.addAll(jvmArgs);
    command.add("-cp");
    command.add(testClassPath());
    command.add(mainClass);
    command.addAll(args);
    Path log = logDirectory.resolve(name + ".log");
    try {
      Files.createDirectories(temp);
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      return new JavaProcess(name, process, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + command, e);
    }
  }

  /**
   * The class path of the running tests. Surefire hides it behind a manifest-only jar in {@code
   * java.class.path} and publishes the real one as {@code surefire.test.class.path}.
   */
  public static String testClassPath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public ProcessHandle handle() {
    return process.toHandle();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path logFile() {
    return log;
  }

  /** Sends SIGKILL and waits until the process is gone. */
  public void kill() {
    process.destroyForcibly();
    awaitExit(Duration.ofSeconds(10));
  }

  /** Sends SIGTERM, waits up to {@code grace}, then kills. Returns the exit status. */
  public int stop(Duration grace) {
    process.destroy();
    if (!awaitExit(grace)) {
      kill();
    }
    return process.exitValue();
  }

  /** Waits for the process to exit by itself; true if it did within {@code timeout}. */
  public boolean awaitExit(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Waits until the process has written {@code text} to its output; fails at once when the process
   * exits first, and after {@code timeout} otherwise, with the end of its output.
   */
  public void awaitOutput(String text, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!logTail(Integer.MAX_VALUE).contains(text)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name
                + " exited with status "
                + process.exitValue()
                + " before writing '"
                + text
                + "'; output:\n"
                + logTail(40));
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            name + " did not write '" + text + "' within " + timeout + "; output:\n" + logTail(40));
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + name, e);
      }
    }
  }

  /** The last {@code lines} lines of output, for failure messages. */
  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
    } catch (IllegalStateException shuttingDown) {
      // The hook runs anyway.
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ")";
  }
}
