package dev.adapt.cli;

import dev.adapt.core.tensor.HostTensor;
import dev.adapt.core.tensor.OutputAgreement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Sends a fixed number of requests from a fixed number of concurrent callers, and checks every
 * answer against the expected output. Bounded in count, and in time by each request's timeout.
 */
final class LoadRun {

  /** What a run observed. Latencies are in milliseconds, one per answered request. */
  record Result(
      int requests,
      int succeeded,
      int failed,
      int duplicates,
      int mismatches,
      double seconds,
      double[] latenciesMs,
      List<String> failures,
      OutputAgreement agreement) {

    /** This run followed by {@code next}, as if they were one run (times add up). */
    Result plus(Result next) {
      double[] both = new double[latenciesMs.length + next.latenciesMs.length];
      System.arraycopy(latenciesMs, 0, both, 0, latenciesMs.length);
      System.arraycopy(next.latenciesMs, 0, both, latenciesMs.length, next.latenciesMs.length);
      List<String> allFailures = new ArrayList<>(failures);
      allFailures.addAll(next.failures);
      return new Result(
          requests + next.requests,
          succeeded + next.succeeded,
          failed + next.failed,
          duplicates + next.duplicates,
          mismatches + next.mismatches,
          seconds + next.seconds,
          both,
          allFailures,
          agreement.plus(next.agreement));
    }

    /**
     * This result, when every request got exactly one correct answer.
     *
     * @throws IllegalStateException naming {@code what} and the failures otherwise
     */
    Result requireAllCorrect(String what) {
      if (failed > 0 || duplicates > 0 || mismatches > 0) {
        throw new IllegalStateException(
            what
                + " failed: "
                + failed
                + " failed, "
                + duplicates
                + " duplicates, "
                + mismatches
                + " mismatches "
                + failures);
      }
      return this;
    }

    double throughput() {
      return seconds > 0 ? succeeded / seconds : 0;
    }

    double percentile(double p) {
      if (latenciesMs.length == 0) {
        return 0;
      }
      double[] sorted = latenciesMs.clone();
      Arrays.sort(sorted);
      int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
      return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
  }

  /**
   * @param inputs the input of request {@code i}
   * @param expected the expected output of request {@code i}, or null to skip the check
   * @param afterAnswer called with the number of answers so far, after each answer
   */
  static Result run(
      Supplier<OipClient> clients,
      int requests,
      int concurrency,
      IntFunction<HostTensor> inputs,
      IntFunction<HostTensor> expected,
      double tolerance,
      IntConsumer afterAnswer,
      ProgressBar progress)
      throws InterruptedException {
    Result result =
        run(clients, 0, requests, concurrency, inputs, expected, tolerance, afterAnswer, progress);
    progress.finish();
    return result;
  }

  /**
   * Like {@link #run(Supplier, int, int, IntFunction, IntFunction, double, IntConsumer,
   * ProgressBar)} for requests {@code first} to {@code first + requests - 1}; the progress bar is
   * left open for the next part.
   */
  static Result run(
      Supplier<OipClient> clients,
      int first,
      int requests,
      int concurrency,
      IntFunction<HostTensor> inputs,
      IntFunction<HostTensor> expected,
      double tolerance,
      IntConsumer afterAnswer,
      ProgressBar progress)
      throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    AtomicInteger succeeded = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger duplicates = new AtomicInteger();
    AtomicInteger mismatches = new AtomicInteger();
    Set<String> seenIds = ConcurrentHashMap.newKeySet();
    double[] latencies = new double[requests];
    Arrays.fill(latencies, -1);
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    List<OutputAgreement> agreements = Collections.synchronizedList(new ArrayList<>());
    List<Thread> callers = new ArrayList<>();
    long started = System.nanoTime();
    for (int c = 0; c < concurrency; c++) {
      Thread caller =
          new Thread(
              () -> {
                try (OipClient client = clients.get()) {
                  for (int n = next.getAndIncrement(); n < requests; n = next.getAndIncrement()) {
                    int i = first + n;
                    String id = "req-" + i;
                    long sent = System.nanoTime();
                    try {
                      OipClient.Reply reply = client.infer(id, inputs.apply(i));
                      latencies[n] = (System.nanoTime() - sent) / 1e6;
                      if (!seenIds.add(reply.id())) {
                        duplicates.incrementAndGet();
                      } else if (!reply.id().equals(id)) {
                        failures.add(id + ": answer carries id " + reply.id());
                        failed.incrementAndGet();
                      } else {
                        succeeded.incrementAndGet();
                        HostTensor want = expected == null ? null : expected.apply(i);
                        String mismatch =
                            want == null ? null : compare(want, reply.output(), tolerance);
                        if (mismatch != null) {
                          mismatches.incrementAndGet();
                          failures.add(id + ": " + mismatch);
                        }
                        if (want != null) {
                          agreements.add(
                              OutputAgreement.of(
                                  want.toFloatArray(), reply.output().toFloatArray()));
                        }
                      }
                    } catch (Exception e) {
                      failed.incrementAndGet();
                      failures.add(id + ": " + e.getMessage());
                    }
                    int done = answered.incrementAndGet();
                    progress.update(first + done, failed.get());
                    afterAnswer.accept(first + done);
                  }
                }
              },
              "bench-caller-" + c);
      caller.start();
      callers.add(caller);
    }
    for (Thread caller : callers) {
      caller.join();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    double[] answeredLatencies = Arrays.stream(latencies).filter(l -> l >= 0).toArray();
    return new Result(
        requests,
        succeeded.get(),
        failed.get(),
        duplicates.get(),
        mismatches.get(),
        seconds,
        answeredLatencies,
        List.copyOf(failures),
        agreements.stream().reduce(OutputAgreement.NONE, OutputAgreement::plus));
  }

  /** Why {@code actual} differs from {@code expected} beyond the tolerance, or null. */
  static String compare(HostTensor expected, HostTensor actual, double tolerance) {
    if (!Arrays.equals(expected.shape(), actual.shape()) || expected.dtype() != actual.dtype()) {
      return "expected " + expected + ", got " + actual;
    }
    float[] want = expected.toFloatArray();
    float[] got = actual.toFloatArray();
    double worst = 0;
    int at = -1;
    for (int i = 0; i < want.length; i++) {
      double diff = Math.abs(want[i] - got[i]);
      if (!(diff <= tolerance) && diff > worst || Double.isNaN(diff)) {
        worst = diff;
        at = i;
      }
    }
    return at < 0
        ? null
        : "element "
            + at
            + " is "
            + got[at]
            + ", expected "
            + want[at]
            + " (tolerance "
            + tolerance
            + ")";
  }
}
