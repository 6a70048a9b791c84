package dev.adapt.cli;

import java.time.Duration;

/**
 * How many unmeasured requests a contender gets before it is measured: as many as the user asked
 * for, or by default batches until throughput stops rising. Fresh JVMs are slow until their JIT
 * compilers have compiled the hot paths, and a pipeline has several of them: a fixed small count
 * measures their warm-up rather than the pipeline, and a fixed large one wastes time on a slow
 * machine.
 */
final class WarmUp {
  /** What a settling warm-up may take per contender, however noisy the machine. */
  static final Duration LIMIT = Duration.ofSeconds(90);

  /** A batch counts as faster only when it beats the best so far by more than this. */
  private static final double GAIN = 1.05;

  /** Batches in a row that did not beat the best before the throughput counts as settled. */
  private static final int FLAT_BATCHES = 2;

  /** Sends a batch of unmeasured requests. */
  @FunctionalInterface
  interface Batch {
    LoadRun.Result send(int requests) throws InterruptedException;
  }

  /** What a warm-up did, for the log. */
  record Done(int requests, double settledRps) {}

  private final int requests;
  private final int batchSize;

  /**
   * @param requests unmeasured requests to send, or a negative number to send batches until
   *     throughput settles
   * @param concurrency callers; a settling batch gives each of them four requests
   */
  WarmUp(int requests, int concurrency) {
    this.requests = requests;
    this.batchSize = 4 * Math.max(1, concurrency);
  }

  /** Whether this warm-up sends batches until throughput settles. */
  boolean settles() {
    return requests < 0;
  }

  Done run(Batch batch) throws InterruptedException {
    if (!settles()) {
      if (requests > 0) {
        batch.send(requests);
      }
      return new Done(requests, Double.NaN);
    }
    long deadline = System.nanoTime() + LIMIT.toNanos();
    double best = 0;
    int flat = 0;
    int sent = 0;
    do {
      double rps = batch.send(batchSize).throughputWithDrain();
      sent += batchSize;
      if (rps > best * GAIN) {
        best = rps;
        flat = 0;
      } else {
        best = Math.max(best, rps);
        flat++;
      }
    } while (flat < FLAT_BATCHES && System.nanoTime() < deadline);
    return new Done(sent, best);
  }

  /** The progress line of a warm-up of {@code what}. */
  static String describe(String what, Done done) {
    return Double.isNaN(done.settledRps())
        ? "Warmed up " + what + " with " + done.requests() + " requests"
        : String.format(
            "Warmed up %s with %d requests, until its throughput settled (%.2f req/s)",
            what, done.requests(), done.settledRps());
  }
}
