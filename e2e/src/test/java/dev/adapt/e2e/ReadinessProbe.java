package dev.adapt.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Asks the dispatcher Service {@code GET /v2/health/ready} every 250 ms from the host, as a client
 * would, and remembers every answer: the downtime a client sees is the span between the first
 * refused or unready answer and the next ready one.
 */
final class ReadinessProbe implements AutoCloseable {

  /** One answer: ready (200) or not (anything else, or no connection). */
  record Sample(Instant at, boolean ready, String detail) {}

  /** A span of consecutive not-ready answers, ended by a ready one (or still open). */
  record Outage(Instant from, Optional<Instant> to, String firstProblem) {
    Duration length() {
      return Duration.between(from, to.orElse(Instant.now()));
    }
  }

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final URI uri;
  private final List<Sample> samples = new ArrayList<>();
  private final Thread thread;
  private volatile boolean stopped;

  ReadinessProbe(String ip, int port) {
    this.uri = URI.create("http://" + ip + ":" + port + "/v2/health/ready");
    this.thread = new Thread(this::loop, "readiness-probe");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    while (!stopped) {
      Instant at = Instant.now();
      Sample sample;
      try {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        sample =
            new Sample(
                at, response.statusCode() == 200, response.statusCode() + " " + response.body());
      } catch (Exception e) {
        sample = new Sample(at, false, e.getClass().getSimpleName() + ": " + e.getMessage());
      }
      synchronized (samples) {
        samples.add(sample);
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** The last {@code count} answers were all ready. */
  boolean readyFor(int count) {
    synchronized (samples) {
      if (samples.size() < count) {
        return false;
      }
      return samples.subList(samples.size() - count, samples.size()).stream()
          .allMatch(Sample::ready);
    }
  }

  /** The outages seen so far, in order. */
  List<Outage> outages() {
    List<Outage> outages = new ArrayList<>();
    Sample start = null;
    synchronized (samples) {
      for (Sample s : samples) {
        if (!s.ready() && start == null) {
          start = s;
        } else if (s.ready() && start != null) {
          outages.add(new Outage(start.at(), Optional.of(s.at()), start.detail()));
          start = null;
        }
      }
    }
    if (start != null) {
      outages.add(new Outage(start.at(), Optional.empty(), start.detail()));
    }
    return outages;
  }

  int samples() {
    synchronized (samples) {
      return samples.size();
    }
  }

  @Override
  public void close() {
    stopped = true;
    thread.interrupt();
  }
}
