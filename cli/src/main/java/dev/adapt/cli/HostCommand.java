package dev.adapt.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short administrative command ({@code ip}, {@code tc}) and fails with the command line, its
 * exit code and its error output when it does not succeed: a half-built emulation must say which
 * step broke.
 */
final class HostCommand {
  private static final long TIMEOUT_SECONDS = 60;

  private HostCommand() {}

  /** Runs {@code command}; returns its standard output. */
  static String run(String... command) {
    return run(List.of(command));
  }

  /** Runs {@code command}; returns its standard output. */
  static String run(List<String> command) {
    Result result = attempt(command);
    if (result.exitCode() != 0) {
      throw new IllegalStateException(
          "`"
              + String.join(" ", command)
              + "` failed with exit code "
              + result.exitCode()
              + ": "
              + result.output().strip());
    }
    return result.output();
  }

  /** What a command printed (standard output and error together) and how it exited. */
  record Result(int exitCode, String output) {}

  /** Runs {@code command} and reports how it went, without judging the exit code. */
  static Result attempt(List<String> command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getOutputStream().close();
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new Result(-1, "timed out after " + TIMEOUT_SECONDS + " s");
      }
      return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run `" + String.join(" ", command) + "`", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command.get(0), e);
    }
  }
}
