package dev.adapt.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs commands as a user would type them, with a bound on how long each may take. */
final class Commands {

  /** What a finished command printed. */
  record Result(List<String> command, int exitCode, String stdout, String stderr) {

    boolean succeeded() {
      return exitCode == 0;
    }

    /** This result, or an error with the command's output when it failed. */
    Result requireSuccess() {
      if (!succeeded()) {
        throw new AssertionError(describe());
      }
      return this;
    }

    String describe() {
      return String.join(" ", command)
          + " exited with "
          + exitCode
          + (stdout.isBlank() ? "" : "\n--- stdout ---\n" + stdout.strip())
          + (stderr.isBlank() ? "" : "\n--- stderr ---\n" + stderr.strip());
    }
  }

  private Commands() {}

  /**
   * Runs {@code command} in {@code directory} and waits up to {@code timeout} for it to end; a
   * command still running then is killed and reported as failed (exit code -1).
   */
  static Result run(Path directory, Duration timeout, List<String> command) {
    try {
      Path out = Files.createTempFile("e2e-cmd", ".out");
      Path err = Files.createTempFile("e2e-cmd", ".err");
      try {
        Process process =
            new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        boolean ended = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!ended) {
          process.descendants().forEach(ProcessHandle::destroyForcibly);
          process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        return new Result(
            command,
            ended ? process.exitValue() : -1,
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8)
                + (ended ? "" : "\n(killed after " + timeout.toSeconds() + " s)"));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new AssertionError("could not run " + String.join(" ", command) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while running " + String.join(" ", command), e);
    }
  }
}
