package dev.adapt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.adapt.core.tensor.OutputAgreement;
import java.io.PrintStream;
import java.util.List;

/**
 * What {@code adapt bench} found, as JSON or as lines for people.
 *
 * @param wireEncoding how the local pipeline's stages sent activations, or null (--target)
 * @param hops bytes per image of each stage's output, raw and on the wire, from the dispatcher
 * @param workerCpuMsPerImage CPU time of the local pipeline's workers per answered image (compute,
 *     encoding, transport), or null (--target)
 * @param pipelineProcesses JVMs the pipeline used, or null when they run elsewhere (--target)
 * @param comparison the monolithic baselines, or null without --compare-monolithic
 * @param killedWorker the worker killed on purpose, or null
 */
record BenchReport(
    LoadRun.Result result,
    double replays,
    String wireEncoding,
    List<HopBytes.PerImage> hops,
    Double workerCpuMsPerImage,
    int concurrency,
    String protocol,
    Integer pipelineProcesses,
    Comparison comparison,
    String killedWorker) {

  /**
   * The monolithic baselines, measured in the same rounds as the pipeline.
   *
   * @param baseline what the ratio's baseline is
   * @param monolithicRps the ratio's baseline: served with the pipeline's process budget when
   *     possible, else the in-process model
   * @param monolithicProcesses JVMs the ratio's baseline used
   * @param inProcessRps the unsplit model in the bench process, without serving
   */
  record Comparison(
      String baseline, double monolithicRps, int monolithicProcesses, double inProcessRps) {}

  void print(PrintStream out, boolean json) throws Exception {
    if (json) {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      out.println(mapper.writeValueAsString(toJson(mapper)));
    } else {
      printText(out);
    }
    result.failures().stream().limit(10).forEach(f -> System.err.println("  " + f));
  }

  ObjectNode toJson(ObjectMapper mapper) {
    ObjectNode report = mapper.createObjectNode();
    report.put("requests", result.requests());
    report.put("succeeded", result.succeeded());
    report.put("failed", result.failed());
    report.put("duplicates", result.duplicates());
    report.put("mismatches", result.mismatches());
    report.put("throughputRps", round(result.throughput()));
    OutputAgreement agreement = result.agreement();
    ObjectNode outputs = report.putObject("outputs");
    outputs.put("compared", agreement.compared());
    outputs.put("maxAbsDiff", agreement.maxAbsDiff());
    outputs.put("top1Agreement", agreement.top1Agreement());
    if (wireEncoding == null) {
      report.putNull("wireEncoding");
    } else {
      report.put("wireEncoding", wireEncoding);
    }
    if (workerCpuMsPerImage == null) {
      report.putNull("workerCpuMsPerImage");
    } else {
      report.put("workerCpuMsPerImage", round(workerCpuMsPerImage));
    }
    ArrayNode hopBytes = report.putArray("hopBytesPerImage");
    for (HopBytes.PerImage hop : hops) {
      ObjectNode node = hopBytes.addObject();
      node.put("stage", hop.stage());
      node.put("raw", Math.round(hop.rawBytes()));
      node.put("wire", Math.round(hop.wireBytes()));
      node.put("ratio", Math.round(hop.ratio() * 1000) / 1000.0);
    }
    ObjectNode latency = report.putObject("latencyMs");
    latency.put("p50", round(result.percentile(50)));
    latency.put("p99", round(result.percentile(99)));
    latency.put("max", round(result.percentile(100)));
    ObjectNode processes = mapper.createObjectNode();
    putCount(processes, "pipeline", pipelineProcesses);
    if (comparison != null) {
      report.put("monolithicThroughputRps", round(comparison.monolithicRps()));
      report.put("ratioVsMonolithic", round(result.throughput() / comparison.monolithicRps()));
      report.put("monolithicBaseline", comparison.baseline());
      report.put("inProcessThroughputRps", round(comparison.inProcessRps()));
      report.put("ratioVsInProcess", round(result.throughput() / comparison.inProcessRps()));
      processes.put("monolithic", comparison.monolithicProcesses());
    } else {
      report.putNull("monolithicThroughputRps");
      report.putNull("ratioVsMonolithic");
      report.putNull("monolithicBaseline");
      report.putNull("inProcessThroughputRps");
      report.putNull("ratioVsInProcess");
      processes.putNull("monolithic");
    }
    report.set("processes", processes);
    report.put("replays", (long) replays);
    report.put("concurrency", concurrency);
    report.put("protocol", protocol);
    if (killedWorker != null) {
      report.put("killedWorker", killedWorker);
    }
    return report;
  }

  private void printText(PrintStream out) {
    out.printf(
        "requests %d: %d succeeded, %d failed, %d duplicates, %d mismatches%n",
        result.requests(),
        result.succeeded(),
        result.failed(),
        result.duplicates(),
        result.mismatches());
    OutputAgreement agreement = result.agreement();
    out.printf(
        "outputs against the unsplit model: max abs diff %.2e, top-1 agreement %d/%d%n",
        agreement.maxAbsDiff(), agreement.top1Agreed(), agreement.compared());
    if (workerCpuMsPerImage != null) {
      out.printf("worker CPU per image: %.1f ms%n", workerCpuMsPerImage);
    }
    for (HopBytes.PerImage hop : hops) {
      out.printf(
          "stage %d output per image: %.0f bytes raw, %.0f on the wire (ratio %.3f%s)%n",
          hop.stage(),
          hop.rawBytes(),
          hop.wireBytes(),
          hop.ratio(),
          wireEncoding == null ? "" : ", " + wireEncoding);
    }
    out.printf(
        "throughput %.2f req/s; latency p50 %.0f ms, p99 %.0f ms, max %.0f ms; replays %d%n",
        result.throughput(),
        result.percentile(50),
        result.percentile(99),
        result.percentile(100),
        (long) replays);
    String pipeline = pipelineProcesses == null ? "unknown (remote)" : pipelineProcesses.toString();
    if (comparison == null) {
      out.printf("processes: pipeline %s%n", pipeline);
      return;
    }
    out.printf(
        "monolithic baseline, %s: %.2f req/s; ratio %.2f%n",
        comparison.baseline(),
        comparison.monolithicRps(),
        result.throughput() / comparison.monolithicRps());
    if (!comparison.baseline().equals(MonolithicRun.DESCRIPTION)) {
      out.printf(
          "%s: %.2f req/s; ratio %.2f%n",
          MonolithicRun.DESCRIPTION,
          comparison.inProcessRps(),
          result.throughput() / comparison.inProcessRps());
    }
    out.printf(
        "processes: pipeline %s, monolithic baseline %d, in-process 1%n",
        pipeline, comparison.monolithicProcesses());
  }

  private static void putCount(ObjectNode node, String name, Integer count) {
    if (count == null) {
      node.putNull(name);
    } else {
      node.put(name, count);
    }
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
