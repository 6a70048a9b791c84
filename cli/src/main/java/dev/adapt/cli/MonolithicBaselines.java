package dev.adapt.cli;

import dev.adapt.core.model.LoadedModel;
import dev.adapt.dispatcher.batching.BatchingConfig;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * What {@code --compare-monolithic} measures besides the pipeline: with a local pipeline, the
 * unsplit model served with the same process budget (the ratio's baseline); always, the bare
 * unsplit model in the bench process, reported separately because it has neither the serving costs
 * nor the pipeline's process count.
 */
final class MonolithicBaselines implements AutoCloseable {
  private final ServedBaseline served;
  private final MonolithicRun inProcess;
  private final int concurrency;

  /**
   * @param served the served baseline, or null when the pipeline runs elsewhere (--target)
   */
  MonolithicBaselines(
      ServedBaseline served,
      LoadedModel loaded,
      BenchInputs inputs,
      BatchingConfig batching,
      int concurrency) {
    this.served = served;
    this.concurrency = concurrency;
    this.inProcess = new MonolithicRun(loaded, inputs, batching, concurrency);
  }

  /**
   * Warms every baseline up as the pipeline was; each round of theirs starts with the same lead-in.
   *
   * @return the contenders in the order they run in each round: served (if any), then in-process
   */
  List<BenchRounds.Contender> warmedContenders(OipLoad load, WarmUp warmUp, PrintStream log)
      throws InterruptedException {
    List<BenchRounds.Contender> contenders = new ArrayList<>();
    if (served != null) {
      Supplier<OipClient> clients = load.clients(OipLoad.Endpoint.of(served.cluster()));
      log.println(
          WarmUp.describe("the served unsplit model", warmUp.run(n -> load.warmUp(clients, n))));
      contenders.add(
          (first, count) ->
              load.send(clients, first, count).requireAllCorrect("the served unsplit model"));
    }
    log.println(
        WarmUp.describe(
            "the unsplit model in the bench process",
            warmUp.run(n -> inProcess.run(new LoadRun.Span(0, n, 0), concurrency))));
    contenders.add(
        (first, count) ->
            inProcess.run(new LoadRun.Span(first, count, load.leadIn()), concurrency));
    return contenders;
  }

  /** What is compared, for the progress line. */
  String describe(Integer pipelineProcesses) {
    String bare = "the " + MonolithicRun.DESCRIPTION + " (" + MonolithicRun.DETAIL + ")";
    if (served == null) {
      return bare + " as the baseline (1 process)";
    }
    return "the "
        + served.description()
        + " as the baseline ("
        + served.processes()
        + " processes, the pipeline "
        + pipelineProcesses
        + "), and separately with "
        + bare;
  }

  /**
   * The report's view of the baselines' results, in the order {@link #warmedContenders} returned
   * them.
   */
  BenchReport.Comparison comparison(List<LoadRun.Result> baselineResults) {
    LoadRun.Result inProcessResult = baselineResults.get(baselineResults.size() - 1);
    return served == null
        ? new BenchReport.Comparison(MonolithicRun.DESCRIPTION, inProcessResult, 1, inProcessResult)
        : new BenchReport.Comparison(
            served.description(), baselineResults.get(0), served.processes(), inProcessResult);
  }

  /** Closes the in-process model; the served baseline's cluster is its starter's to close. */
  @Override
  public void close() {
    inProcess.close();
  }
}
