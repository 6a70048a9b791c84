package dev.adapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.tensor.HostTensor;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/** How a load run counts lead-in and measured requests, and where its steady window lies. */
class LoadRunTest {
  private static final IntFunction<HostTensor> INPUTS =
      i -> HostTensor.ofFloats(new long[] {1, 1}, new float[] {i});

  /**
   * Answers each request with its input, after {@code firstMillis} for a caller's first request
   * (the pipeline filling) and {@code laterMillis} for the others.
   */
  private static final class EchoClient implements OipClient {
    private final Set<String> seen;
    private final long firstMillis;
    private final long laterMillis;
    private boolean first = true;

    EchoClient(Set<String> seen, long firstMillis, long laterMillis) {
      this.seen = seen;
      this.firstMillis = firstMillis;
      this.laterMillis = laterMillis;
    }

    @Override
    public Reply infer(String id, HostTensor input) throws Exception {
      seen.add(id);
      Thread.sleep(first ? firstMillis : laterMillis);
      first = false;
      return new Reply(id, input);
    }

    @Override
    public void close() {}
  }

  private static LoadRun.Result run(
      Set<String> seen, LoadRun.Span span, long firstMillis, IntFunction<HostTensor> expected)
      throws InterruptedException {
    return LoadRun.run(
        () -> new EchoClient(seen, firstMillis, 5),
        span,
        4,
        INPUTS,
        expected,
        BenchCommand.TOLERANCE,
        done -> {},
        ProgressBar.silent());
  }

  @Test
  void leadInRequestsAreSentAndCheckedButNotCounted() throws Exception {
    Set<String> seen = ConcurrentHashMap.newKeySet();
    LoadRun.Result result = run(seen, new LoadRun.Span(100, 20, 8), 5, INPUTS);

    assertThat(seen).hasSize(28).contains("req-100", "req-119").doesNotContain("req-120");
    assertThat(result.requests()).isEqualTo(20);
    assertThat(result.succeeded()).isEqualTo(20);
    assertThat(result.latenciesMs()).hasSize(20);
    assertThat(result.agreement().compared()).isEqualTo(20);
    assertThat(result.steadyAnswers()).isPositive().isLessThanOrEqualTo(28);
    assertThat(result.steadySeconds()).isPositive().isLessThan(result.seconds());
  }

  @Test
  void aWrongLeadInAnswerIsAMismatch() throws Exception {
    LoadRun.Result result =
        run(
            ConcurrentHashMap.newKeySet(),
            new LoadRun.Span(100, 8, 4),
            5,
            i -> INPUTS.apply(i + 1));
    // 8 measured and 4 lead-in answers, all wrong: none is lost from the count.
    assertThat(result.mismatches()).isEqualTo(12);
    assertThat(result.failures()).anyMatch(f -> f.startsWith("lead-in-100-"));
  }

  @Test
  void theSteadyWindowLeavesOutSlowFirstAnswers() throws Exception {
    LoadRun.Result result =
        run(ConcurrentHashMap.newKeySet(), new LoadRun.Span(0, 40, 8), 500, INPUTS);
    // Every caller's first answer takes 500 ms and the others 5 ms: only the whole run pays for
    // the first ones, however slowly this machine runs the callers.
    assertThat(result.throughput()).isGreaterThan(result.throughputWithDrain());
  }

  @Test
  void withoutALeadInTheWholeRunIsMeasured() throws Exception {
    LoadRun.Result result =
        run(ConcurrentHashMap.newKeySet(), new LoadRun.Span(0, 12, 0), 5, INPUTS);
    assertThat(result.steadyAnswers()).isEqualTo(12);
    assertThat(result.steadySeconds()).isEqualTo(result.seconds());
    assertThat(result.throughput()).isEqualTo(result.throughputWithDrain());
  }
}
