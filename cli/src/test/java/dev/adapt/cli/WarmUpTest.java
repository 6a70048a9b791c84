package dev.adapt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.tensor.OutputAgreement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class WarmUpTest {

  /** A batch of {@code requests} answered at {@code rps} over the whole run. */
  private static LoadRun.Result answeredAt(int requests, double rps) {
    return new LoadRun.Result(
        requests,
        requests,
        0,
        0,
        0,
        requests / rps,
        new double[0],
        List.of(),
        OutputAgreement.NONE);
  }

  @Test
  void aChosenCountIsSentOnce() throws Exception {
    List<Integer> batches = new ArrayList<>();
    WarmUp.Done done =
        new WarmUp(24, 8)
            .run(
                n -> {
                  batches.add(n);
                  return answeredAt(n, 10);
                });
    assertThat(batches).containsExactly(24);
    assertThat(done.requests()).isEqualTo(24);
    assertThat(WarmUp.describe("the pipeline", done))
        .isEqualTo("Warmed up the pipeline with 24 requests");
  }

  @Test
  void noWarmUpSendsNothing() throws Exception {
    List<Integer> batches = new ArrayList<>();
    new WarmUp(0, 8)
        .run(
            n -> {
              batches.add(n);
              return answeredAt(n, 10);
            });
    assertThat(batches).isEmpty();
  }

  @Test
  void byDefaultBatchesGoOnUntilThroughputStopsRising() throws Exception {
    // Rising while the JIT compiles, then within 5 % of the best twice in a row.
    Iterator<Double> rates = List.of(10.0, 20.0, 30.0, 31.0, 30.5, 99.0).iterator();
    List<Integer> batches = new ArrayList<>();
    WarmUp warmUp = new WarmUp(-1, 8);
    WarmUp.Done done =
        warmUp.run(
            n -> {
              batches.add(n);
              return answeredAt(n, rates.next());
            });
    assertThat(warmUp.settles()).isTrue();
    assertThat(batches).containsExactly(32, 32, 32, 32, 32);
    assertThat(done.requests()).isEqualTo(160);
    assertThat(done.settledRps()).isEqualTo(31.0);
    assertThat(WarmUp.describe("the pipeline", done))
        .isEqualTo(
            "Warmed up the pipeline with 160 requests, until its throughput settled (31.00 req/s)");
  }
}
