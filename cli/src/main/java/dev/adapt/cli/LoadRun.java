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
 *
 * <p>Throughput is measured in the steady window: from the moment the last lead-in request was sent
 * to the moment the last measured one was, every caller has a request in flight. Before it the
 * stages of a pipeline fill, and all callers' first requests travel together from stage to stage;
 * after it they drain. Both cost a pipeline far more than an unsplit model, so short runs that
 * counted them would measure mostly how long the pipeline is.
 */
final class LoadRun {

  /**
   * What a run observed. Latencies are in milliseconds, one per answered measured request.
   *
   * @param requests the measured requests
   * @param leadIn the lead-in requests sent before them
   * @param succeeded measured requests answered under their own id (whether the answer matched is
   *     {@code mismatches})
   * @param failed requests that got an error or another request's answer, lead-in ones included
   * @param mismatches answers that differ from the expected output, lead-in ones included
   * @param seconds from the first measured request sent to the last answer: with a lead-in, the
   *     drain is in it and the fill is not; without, both are
   * @param steadyAnswers answers that arrived in the steady window (lead-in ones included)
   * @param steadySeconds the length of the steady window
   */
  record Result(
      int requests,
      int leadIn,
      int succeeded,
      int failed,
      int duplicates,
      int mismatches,
      double seconds,
      int steadyAnswers,
      double steadySeconds,
      double[] latenciesMs,
      List<String> failures,
      OutputAgreement agreement) {

    /** A result whose steady window is the whole run. */
    Result(
        int requests,
        int succeeded,
        int failed,
        int duplicates,
        int mismatches,
        double seconds,
        double[] latenciesMs,
        List<String> failures,
        OutputAgreement agreement) {
      this(
          requests,
          0,
          succeeded,
          failed,
          duplicates,
          mismatches,
          seconds,
          succeeded,
          seconds,
          latenciesMs,
          failures,
          agreement);
    }

    /** This run followed by {@code next}, as if they were one run (times add up). */
    Result plus(Result next) {
      double[] both = new double[latenciesMs.length + next.latenciesMs.length];
      System.arraycopy(latenciesMs, 0, both, 0, latenciesMs.length);
      System.arraycopy(next.latenciesMs, 0, both, latenciesMs.length, next.latenciesMs.length);
      List<String> allFailures = new ArrayList<>(failures);
      allFailures.addAll(next.failures);
      return new Result(
          requests + next.requests,
          leadIn + next.leadIn,
          succeeded + next.succeeded,
          failed + next.failed,
          duplicates + next.duplicates,
          mismatches + next.mismatches,
          seconds + next.seconds,
          steadyAnswers + next.steadyAnswers,
          steadySeconds + next.steadySeconds,
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

    /** Answers per second in the steady window. */
    double throughput() {
      return steadySeconds > 0 ? steadyAnswers / steadySeconds : 0;
    }

    /** Measured answers per second from the first measured request to the last answer. */
    double throughputWithDrain() {
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
        run(
            clients,
            new Span(0, requests, 0),
            concurrency,
            inputs,
            expected,
            tolerance,
            afterAnswer,
            progress);
    progress.finish();
    return result;
  }

  /**
   * Which requests a run sends: first {@code leadIn} unmeasured ones, whose answers are checked but
   * not counted, then the measured requests {@code first} to {@code first + count - 1}.
   */
  record Span(int first, int count, int leadIn) {}

  /**
   * Like {@link #run(Supplier, int, int, IntFunction, IntFunction, double, IntConsumer,
   * ProgressBar)} for the requests of {@code span}; the progress bar is left open for the next
   * part.
   */
  static Result run(
      Supplier<OipClient> clients,
      Span span,
      int concurrency,
      IntFunction<HostTensor> inputs,
      IntFunction<HostTensor> expected,
      double tolerance,
      IntConsumer afterAnswer,
      ProgressBar progress)
      throws InterruptedException {
    int first = span.first();
    int requests = span.count();
    int leadIn = span.leadIn();
    int total = leadIn + requests;
    AtomicInteger next = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    AtomicInteger succeeded = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger duplicates = new AtomicInteger();
    AtomicInteger mismatches = new AtomicInteger();
    Set<String> seenIds = ConcurrentHashMap.newKeySet();
    double[] latencies = new double[requests];
    Arrays.fill(latencies, -1);
    long[] sentAt = new long[total];
    long[] answeredAt = new long[total];
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    List<OutputAgreement> agreements = Collections.synchronizedList(new ArrayList<>());
    List<Thread> callers = new ArrayList<>();
    long started = System.nanoTime();
    for (int c = 0; c < concurrency; c++) {
      Thread caller =
          new Thread(
              () -> {
                try (OipClient client = clients.get()) {
                  for (int n = next.getAndIncrement(); n < total; n = next.getAndIncrement()) {
                    boolean measured = n >= leadIn;
                    int i = measured ? first + n - leadIn : first + n;
                    String id = measured ? "req-" + i : "lead-in-" + first + "-" + n;
                    long sent = System.nanoTime();
                    sentAt[n] = sent;
                    try {
                      OipClient.Reply reply = client.infer(id, inputs.apply(i));
                      long now = System.nanoTime();
                      if (measured) {
                        latencies[n - leadIn] = (now - sent) / 1e6;
                      }
                      if (!seenIds.add(reply.id())) {
                        duplicates.incrementAndGet();
                      } else if (!reply.id().equals(id)) {
                        failures.add(id + ": answer carries id " + reply.id());
                        failed.incrementAndGet();
                      } else {
                        answeredAt[n] = now;
                        if (measured) {
                          succeeded.incrementAndGet();
                        }
                        HostTensor want = expected == null ? null : expected.apply(i);
                        String mismatch =
                            want == null ? null : compare(want, reply.output(), tolerance);
                        if (mismatch != null) {
                          mismatches.incrementAndGet();
                          failures.add(id + ": " + mismatch);
                        }
                        if (want != null && measured) {
                          agreements.add(
                              OutputAgreement.of(
                                  want.toFloatArray(), reply.output().toFloatArray()));
                        }
                      }
                    } catch (Exception e) {
                      failed.incrementAndGet();
                      failures.add(id + ": " + e.getMessage());
                    }
                    if (measured) {
                      int done = answered.incrementAndGet();
                      progress.update(first + done, failed.get());
                      afterAnswer.accept(first + done);
                    }
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
    long firstMeasured = requests == 0 ? started : min(sentAt, leadIn, total);
    double seconds = (System.nanoTime() - firstMeasured) / 1e9;
    double[] answeredLatencies = Arrays.stream(latencies).filter(l -> l >= 0).toArray();
    // Thread.join orders the callers' writes to the arrays before these reads.
    long windowStart = max(sentAt, 0, leadIn);
    long windowEnd = max(sentAt, leadIn, total);
    int steadyAnswers = 0;
    for (long at : answeredAt) {
      if (at > windowStart && at <= windowEnd) {
        steadyAnswers++;
      }
    }
    double steadySeconds = (windowEnd - windowStart) / 1e9;
    if (leadIn == 0 || steadyAnswers == 0 || steadySeconds <= 0) {
      // Without a lead-in, or with too few requests for callers to overlap, the whole run is
      // all there is to measure.
      steadyAnswers = succeeded.get();
      steadySeconds = seconds;
    }
    return new Result(
        requests,
        leadIn,
        succeeded.get(),
        failed.get(),
        duplicates.get(),
        mismatches.get(),
        seconds,
        steadyAnswers,
        steadySeconds,
        answeredLatencies,
        List.copyOf(failures),
        agreements.stream().reduce(OutputAgreement.NONE, OutputAgreement::plus));
  }

  private static long min(long[] values, int from, int to) {
    long min = Long.MAX_VALUE;
    for (int i = from; i < to; i++) {
      min = Math.min(min, values[i]);
    }
    return min;
  }

  private static long max(long[] values, int from, int to) {
    long max = Long.MIN_VALUE;
    for (int i = from; i < to; i++) {
      max = Math.max(max, values[i]);
    }
    return max;
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
