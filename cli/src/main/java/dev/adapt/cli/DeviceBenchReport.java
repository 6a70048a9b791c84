package dev.adapt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What {@code adapt bench --devices} measured, one row per device count, as JSON or as a Markdown
 * table; speed-ups are against the row with one device (the unsplit model).
 */
record DeviceBenchReport(double deviceCpus, Bandwidth bandwidth, int concurrency, List<Row> rows) {

  /**
   * One pipeline's results.
   *
   * @param cutPoints where the model was cut (empty for one device)
   * @param deviceCpuSecondsPerImage CPU seconds per image on the device of each stage, in stage
   *     order
   * @param benchCpuSecondsPerImage CPU seconds per image of the bench process (its dispatcher and
   *     the load generator; the other pipelines' dispatchers there are idle meanwhile)
   * @param hopWireBytesPerImage bytes per image of each stage's output on the wire (the last
   *     stage's is not counted)
   * @param hopRawBytesPerImage the same before compression
   * @param plan how the stages were balanced: {@code flops}, or {@code link} (for the devices'
   *     compute and links)
   */
  record Row(
      int devices,
      List<String> cutPoints,
      LoadRun.Result result,
      double[] deviceCpuSecondsPerImage,
      double benchCpuSecondsPerImage,
      double[] hopWireBytesPerImage,
      double[] hopRawBytesPerImage,
      String plan) {

    double throughput() {
      return result.throughput();
    }

    /**
     * Hops between devices: the last stage's output goes back along the route inside the reply, for
     * which workers report no hop bytes.
     */
    int hops() {
      return devices - 1;
    }
  }

  static DeviceBenchReport of(
      List<Integer> counts,
      List<String> plans,
      List<DeviceCluster> clusters,
      List<LoadRun.Result> results,
      List<DeviceUsage> usages,
      double deviceCpus,
      Bandwidth bandwidth,
      int concurrency) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < counts.size(); i++) {
      LoadRun.Result result = results.get(i);
      DeviceUsage usage = usages.get(i);
      int images = Math.max(1, usage.images());
      rows.add(
          new Row(
              counts.get(i),
              clusters.get(i).cluster().pipeline().plan().cutPoints(),
              result,
              usage.deviceCpuSecondsPerImage(images),
              usage.benchCpuSecondsPerImage(images),
              usage.wireBytesPerImage(images),
              usage.rawBytesPerImage(images),
              plans.get(i)));
    }
    return new DeviceBenchReport(deviceCpus, bandwidth, concurrency, rows);
  }

  /** Whether every request of every pipeline got exactly one answer equal to the reference. */
  boolean allCorrect() {
    return rows.stream()
        .map(Row::result)
        .allMatch(r -> r.failed() == 0 && r.duplicates() == 0 && r.mismatches() == 0);
  }

  /** Throughput of {@code row} over that of the one-device row. */
  double speedUp(Row row) {
    double baseline = rows.get(0).throughput();
    return baseline > 0 ? row.throughput() / baseline : 0;
  }

  void print(PrintStream out, boolean json) throws Exception {
    if (json) {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      out.println(mapper.writeValueAsString(toJson(mapper)));
    } else {
      out.print(table());
    }
    rows.stream()
        .flatMap(r -> r.result().failures().stream().limit(5))
        .forEach(f -> System.err.println("  " + f));
  }

  ObjectNode toJson(ObjectMapper mapper) {
    ObjectNode report = mapper.createObjectNode();
    report.put("deviceCpu", deviceCpus);
    report.put("deviceBandwidth", bandwidth.toString());
    report.put("concurrency", concurrency);
    ArrayNode pipelines = report.putArray("pipelines");
    for (Row row : rows) {
      LoadRun.Result r = row.result();
      ObjectNode node = pipelines.addObject();
      node.put("devices", row.devices());
      node.put("plan", row.plan());
      row.cutPoints().forEach(node.putArray("cutPoints")::add);
      node.put("requests", r.requests());
      node.put("succeeded", r.succeeded());
      node.put("failed", r.failed());
      node.put("duplicates", r.duplicates());
      node.put("mismatches", r.mismatches());
      node.put("throughputRps", round(r.throughput(), 100));
      node.put("speedUp", round(speedUp(row), 100));
      ObjectNode latency = node.putObject("latencyMs");
      latency.put("p50", round(r.percentile(50), 1));
      latency.put("p99", round(r.percentile(99), 1));
      ArrayNode cpu = node.putArray("deviceCpuSecondsPerImage");
      Arrays.stream(row.deviceCpuSecondsPerImage()).forEach(s -> cpu.add(round(s, 10000)));
      node.put("benchCpuSecondsPerImage", round(row.benchCpuSecondsPerImage(), 10000));
      ArrayNode hops = node.putArray("hops");
      for (int stage = 0; stage < row.hops(); stage++) {
        ObjectNode hop = hops.addObject();
        hop.put("fromStage", stage);
        hop.put("toStage", stage + 1);
        hop.put("wireBytesPerImage", Math.round(row.hopWireBytesPerImage()[stage]));
        hop.put("rawBytesPerImage", Math.round(row.hopRawBytesPerImage()[stage]));
      }
    }
    return report;
  }

  /** The results as a Markdown table, for people and for docs/benchmarks.md. */
  String table() {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "devices of %.2f CPU and %s each; %d callers%n%n",
            deviceCpus,
            bandwidth,
            concurrency));
    out.append(
        "| devices | req/s | speed-up | p50 / p99 (ms) | CPU s per image per device (by stage) |"
            + " bench CPU s/image | wire KiB per image per hop | answers |\n");
    out.append("| ---: | ---: | ---: | ---: | --- | ---: | --- | --- |\n");
    for (Row row : rows) {
      LoadRun.Result r = row.result();
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %.2f | %.2f | %.0f / %.0f | %s | %.3f | %s | %d ok, %d failed, %d wrong |%n",
              label(row),
              r.throughput(),
              speedUp(row),
              r.percentile(50),
              r.percentile(99),
              join(row.deviceCpuSecondsPerImage(), 1, "%.3f")
                  + (row.devices() > 1
                      ? String.format(
                          Locale.ROOT,
                          " (sum %.3f)",
                          Arrays.stream(row.deviceCpuSecondsPerImage()).sum())
                      : ""),
              row.benchCpuSecondsPerImage(),
              row.hops() == 0
                  ? "–"
                  : join(Arrays.copyOf(row.hopWireBytesPerImage(), row.hops()), 1024, "%.0f"),
              r.succeeded(),
              r.failed() + r.duplicates(),
              r.mismatches()));
    }
    for (Row row : rows) {
      if (!row.cutPoints().isEmpty()) {
        out.append(label(row)).append(" devices cut at ").append(row.cutPoints()).append('\n');
      }
    }
    return out.toString();
  }

  /** The device count, and the plan where the report compares plans. */
  private String label(Row row) {
    boolean compared =
        rows.stream().anyMatch(r -> !r.plan().equals(DeviceOptions.DevicePlan.flops.name()));
    return compared && row.devices() > 1
        ? row.devices() + " (" + row.plan() + ")"
        : String.valueOf(row.devices());
  }

  private static String join(double[] values, double divisor, String format) {
    return Arrays.stream(values)
        .mapToObj(v -> String.format(Locale.ROOT, format, v / divisor))
        .collect(Collectors.joining(", "));
  }

  private static double round(double value, double scale) {
    return Math.round(value * scale) / scale;
  }
}
