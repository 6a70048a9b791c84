package dev.adapt.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code adapt bench} against the dispatcher Service, run as a user runs it: a separate JVM that
 * checks every answer against the unsplit ResNet-50 it computes itself, and prints a JSON report.
 * It may run in the background while a scenario breaks something.
 */
final class Bench {
  private static final Logger log = LoggerFactory.getLogger(Bench.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What one run reported. */
  record Result(
      String name,
      int requests,
      int succeeded,
      int failed,
      int duplicates,
      int mismatches,
      double throughputRps,
      double p50Ms,
      double p99Ms,
      double maxMs,
      long replays,
      List<String> failures,
      Instant sendingFrom,
      Instant ended) {

    String summary() {
      return String.format(
          java.util.Locale.ROOT,
          "%s: %d requests, %d succeeded, %d failed, %d duplicates, %d mismatches, %.2f req/s,"
              + " p50 %.0f ms, p99 %.0f ms, max %.0f ms, %d replays%s",
          name,
          requests,
          succeeded,
          failed,
          duplicates,
          mismatches,
          throughputRps,
          p50Ms,
          p99Ms,
          maxMs,
          replays,
          failures.isEmpty() ? "" : "; failures: " + failures);
    }
  }

  private final String name;
  private final Process process;
  private final Path out;
  private final Path err;
  private volatile Instant sendingFrom;

  private Bench(String name, Process process, Path out, Path err) {
    this.name = name;
    this.process = process;
    this.out = out;
    this.err = err;
  }

  /**
   * Starts {@code adapt bench --target http://IP:8000 --grpc-target IP:8001 --protocol P --requests
   * N --concurrency C --json}.
   */
  static Bench start(
      Path repository, String name, String ip, String protocol, int requests, int concurrency) {
    Path jar = repository.resolve("cli/target/adapt.jar");
    if (!Files.isReadable(jar)) {
      throw new AssertionError(
          jar
              + " is missing: run the suite with `./mvnw -B -Pe2e -pl e2e -am verify`, which"
              + " builds it, or build it with `./mvnw -B -DskipTests package -pl cli -am`");
    }
    Path logs = E2eReport.directory().resolve("logs");
    try {
      Files.createDirectories(logs);
      Path out = logs.resolve("bench-" + name + ".json");
      Path err = logs.resolve("bench-" + name + ".log");
      List<String> command =
          new ArrayList<>(
              List.of(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-jar",
                  jar.toString(),
                  "bench",
                  "--target=http://" + ip + ":8000",
                  "--grpc-target=" + ip + ":8001",
                  "--protocol=" + protocol,
                  "--requests=" + requests,
                  "--concurrency=" + concurrency,
                  "--json"));
      log.info("bench {}: {}", name, String.join(" ", command));
      Process process =
          new ProcessBuilder(command)
              .directory(repository.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      // A bench outlives no test run, also one that is interrupted.
      Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "bench-" + name));
      return new Bench(name, process, out, err);
    } catch (IOException e) {
      throw new AssertionError("cannot start adapt bench: " + e, e);
    }
  }

  /** Runs a bench to its end. */
  static Result run(
      Path repository,
      String name,
      String ip,
      String protocol,
      int requests,
      int concurrency,
      Duration timeout) {
    return start(repository, name, ip, protocol, requests, concurrency).await(timeout);
  }

  boolean running() {
    return process.isAlive();
  }

  /**
   * Waits until the bench sends its measured requests (after loading the model and warming up);
   * fails when it ends first.
   */
  Instant awaitSending(Duration timeout) {
    Poll.until(
        "bench " + name + " sending its measured requests",
        timeout,
        Duration.ofMillis(500),
        seen -> {
          String text = stderr();
          seen.set(lastLines(text, 5));
          if (text.contains("Sending ")) {
            return java.util.Optional.of(true);
          }
          if (!process.isAlive()) {
            throw new AssertionError(
                "bench " + name + " ended before sending: " + lastLines(text, 30) + stdout());
          }
          return java.util.Optional.empty();
        });
    sendingFrom = Instant.now();
    return sendingFrom;
  }

  /** Waits for the bench to end and reads its report. */
  Result await(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        throw new AssertionError(
            "bench "
                + name
                + " did not end within "
                + timeout.toMinutes()
                + " min; its log: "
                + lastLines(stderr(), 30));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new AssertionError("interrupted", e);
    }
    Instant ended = Instant.now();
    String json = stdout();
    JsonNode report;
    try {
      int start = json.indexOf('{');
      report = JSON.readTree(start < 0 ? "" : json.substring(start));
    } catch (IOException e) {
      report = null;
    }
    if (report == null || !report.has("requests")) {
      throw new AssertionError(
          "bench "
              + name
              + " exited with "
              + process.exitValue()
              + " without a report; stdout: "
              + json
              + "; log: "
              + lastLines(stderr(), 40));
    }
    List<String> failures =
        stderr().lines().filter(l -> l.startsWith("  req-")).map(String::strip).toList();
    JsonNode latency = report.path("latencyMs");
    Result result =
        new Result(
            name,
            report.path("requests").asInt(),
            report.path("succeeded").asInt(),
            report.path("failed").asInt(),
            report.path("duplicates").asInt(),
            report.path("mismatches").asInt(),
            report.path("throughputRps").asDouble(),
            latency.path("p50").asDouble(),
            latency.path("p99").asDouble(),
            latency.path("max").asDouble(),
            report.path("replays").asLong(),
            failures,
            sendingFrom,
            ended);
    log.info("bench {}", result.summary());
    return result;
  }

  /** Stops a bench whose scenario failed. */
  void kill() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  private String stdout() {
    return read(out);
  }

  private String stderr() {
    return read(err);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  static String lastLines(String text, int count) {
    List<String> lines = text.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
  }
}
