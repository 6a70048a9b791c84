package dev.adapt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.adapt.core.tensor.OutputAgreement;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * What {@code adapt bench} found, as JSON or as lines for people.
 *
 * @param wireEncoding how the local pipeline's stages sent activations, or null (--target)
 * @param hops bytes per image of each stage's output, raw and on the wire, from the dispatcher
 * @param cpu CPU time per image of the local pipeline's parts over its rounds, or null (--target,
 *     or no {@code /proc})
 * @param pipelineProcesses JVMs the pipeline used, or null when they run elsewhere (--target)
 * @param comparison the monolithic baselines, or null without --compare-monolithic
 * @param killedWorker the worker killed on purpose, or null
 */
record BenchReport(
    LoadRun.Result result,
    double replays,
    String wireEncoding,
    List<HopBytes.PerImage> hops,
    ComponentCpu.PerImage cpu,
    int concurrency,
    String protocol,
    Integer pipelineProcesses,
    Comparison comparison,
    String killedWorker) {

  /**
   * The monolithic baselines, measured in the same rounds as the pipeline.
   *
   * @param baseline what the ratio's baseline is
   * @param monolithic the ratio's baseline: served with the pipeline's process budget when
   *     possible, else the in-process model
   * @param monolithicProcesses JVMs the ratio's baseline used
   * @param inProcess the unsplit model in the bench process, without serving
   */
  record Comparison(
      String baseline,
      LoadRun.Result monolithic,
      int monolithicProcesses,
      LoadRun.Result inProcess) {
    double monolithicRps() {
      return monolithic.throughput();
    }

    double inProcessRps() {
      return inProcess.throughput();
    }
  }

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
    report.put("leadInRequests", result.leadIn());
    report.put("succeeded", result.succeeded());
    report.put("failed", result.failed());
    report.put("duplicates", result.duplicates());
    report.put("mismatches", result.mismatches());
    report.put("throughputRps", round(result.throughput()));
    report.put("withDrainThroughputRps", round(result.throughputWithDrain()));
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
    if (cpu == null) {
      report.putNull("workerCpuMsPerImage");
      report.putNull("cpuMsPerImage");
    } else {
      report.put("workerCpuMsPerImage", round(cpu.workersTotal()));
      ObjectNode perImage = report.putObject("cpuMsPerImage");
      perImage.put("total", round(cpu.benchTotal() + cpu.workersTotal()));
      putParts(perImage.putObject("bench"), cpu.benchTotal(), cpu.bench());
      putParts(perImage.putObject("workers"), cpu.workersTotal(), cpu.workers());
      ObjectNode byWorker = perImage.putObject("byWorker");
      cpu.byWorker().forEach((worker, ms) -> byWorker.put(worker, round(ms)));
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
      ObjectNode withDrain = report.putObject("withDrain");
      double pipelineRps = result.throughputWithDrain();
      double monolithicRps = comparison.monolithic().throughputWithDrain();
      double inProcessRps = comparison.inProcess().throughputWithDrain();
      withDrain.put("throughputRps", round(pipelineRps));
      withDrain.put("monolithicThroughputRps", round(monolithicRps));
      withDrain.put("ratioVsMonolithic", round(pipelineRps / monolithicRps));
      withDrain.put("inProcessThroughputRps", round(inProcessRps));
      withDrain.put("ratioVsInProcess", round(pipelineRps / inProcessRps));
    } else {
      report.putNull("monolithicThroughputRps");
      report.putNull("ratioVsMonolithic");
      report.putNull("monolithicBaseline");
      report.putNull("inProcessThroughputRps");
      report.putNull("ratioVsInProcess");
      processes.putNull("monolithic");
      report.putNull("withDrain");
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
        "requests %d (after %d lead-in, counted in the failures): %d succeeded, %d failed, %d"
            + " duplicates, %d mismatches%n",
        result.requests(),
        result.leadIn(),
        result.succeeded(),
        result.failed(),
        result.duplicates(),
        result.mismatches());
    OutputAgreement agreement = result.agreement();
    out.printf(
        "outputs against the unsplit model: max abs diff %.2e, top-1 agreement %d/%d%n",
        agreement.maxAbsDiff(), agreement.top1Agreed(), agreement.compared());
    if (cpu != null) {
      out.printf(
          "CPU per image: %.1f ms in all; bench process %.1f ms (%s); workers %.1f ms (%s)%n",
          cpu.benchTotal() + cpu.workersTotal(),
          cpu.benchTotal(),
          describe(cpu.bench()),
          cpu.workersTotal(),
          describe(cpu.workers()));
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
        "throughput %.2f req/s (%.2f with each round's drain); latency p50 %.0f ms, p99 %.0f ms, max %.0f ms; replays %d%n",
        result.throughput(),
        result.throughputWithDrain(),
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

  private static void putParts(ObjectNode node, double total, Map<String, Double> parts) {
    node.put("total", round(total));
    parts.forEach((part, ms) -> node.put(part, round(ms)));
  }

  private static String describe(Map<String, Double> parts) {
    StringBuilder text = new StringBuilder();
    parts.forEach(
        (part, ms) ->
            text.append(text.length() == 0 ? "" : ", ")
                .append(part)
                .append(' ')
                .append(String.format("%.1f", ms)));
    return text.toString();
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
