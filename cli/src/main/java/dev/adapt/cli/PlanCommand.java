package dev.adapt.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.adapt.core.model.CutPoint;
import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.model.ModelLoader;
import dev.adapt.core.plan.InvalidPartitioningException;
import dev.adapt.core.plan.LinkModel;
import dev.adapt.core.plan.Partitioning;
import dev.adapt.core.plan.Partitioning.Balanced;
import dev.adapt.core.plan.Plan;
import dev.adapt.core.plan.Planner;
import dev.adapt.core.plan.Stage;
import dev.adapt.core.plan.StageTime;
import dev.adapt.core.slice.ExecutorOptions;
import dev.adapt.core.slice.SegmentProfiler;
import dev.adapt.core.wire.WireEncoding;
import dev.adapt.dispatcher.ModelOptions;
import dev.adapt.dispatcher.PartitioningOptions;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code adapt plan}: the valid cut points of a model and the stages a plan makes of it. */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description = {
      "Shows where a model can be cut and how a plan cuts it into pipeline stages.",
      "Without --split-at or --stages the plan is a single stage."
    })
final class PlanCommand implements Callable<Integer> {
  private static final int PROFILE_RUNS = 3;
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Spec CommandSpec spec;

  @Mixin ModelOptions model = new ModelOptions("builtin:resnet50");

  @Mixin PartitioningOptions partitioning = new PartitioningOptions();

  @Mixin LinkOptions link = new LinkOptions();

  @Option(
      names = "--compression",
      defaultValue = "lz4",
      description =
          "With --plan-for-link: how activations will be compressed between stages (none, lz4,"
              + " shuffle-lz4; as `adapt local --compression`), for their expected wire size"
              + " (default: ${DEFAULT-VALUE}).")
  String compression;

  @Option(
      names = "--float-encoding",
      defaultValue = "exact",
      description =
          "With --plan-for-link: how float32 activations will travel (exact, float16, bfloat16;"
              + " as `adapt local --float-encoding`) (default: ${DEFAULT-VALUE}).")
  String floatEncoding;

  @Option(names = "--json", description = "Print the plan as JSON.")
  boolean json;

  enum Cost {
    flops,
    measured
  }

  @Option(
      names = "--cost",
      paramLabel = "COST",
      defaultValue = "flops",
      description =
          "What --stages balances: flops (counted in the graph) or measured (traced runs of the"
              + " model on this machine). Default: ${DEFAULT-VALUE}.")
  Cost cost;

  @Override
  public Integer call() throws JsonProcessingException {
    Partitioning wanted;
    try {
      wanted = partitioning.partitioning();
    } catch (InvalidPartitioningException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    if (cost == Cost.measured && !(partitioning.given() && wanted instanceof Balanced)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--cost measured balances --stages N; give --stages");
    }
    LinkModel flopsLink;
    try {
      flopsLink =
          link.model(
                  new WireEncoding(
                      WireEncoding.parseCompression(compression),
                      WireEncoding.parseFloats(floatEncoding)))
              .orElse(null);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    LoadedModel loaded = ModelLoader.load(model.source().orElseThrow());
    double[] costs = Planner.flopCosts(loaded);
    LinkModel costLink = flopsLink;
    Plan plan;
    if (cost == Cost.measured) {
      costs = SegmentProfiler.measure(loaded, 1, PROFILE_RUNS, ExecutorOptions.DEFAULT);
      // The devices' speed is given in FLOP/s; measured costs are microseconds here, spread over
      // the model as measured, in total as many as its FLOPs take at this machine's pace.
      costLink = flopsLink == null ? null : flopsLink.inUnits(microsPerFlop(loaded, costs));
      plan = Planner.balanced(loaded, wanted.stageCount(), costs, costLink);
    } else {
      plan = Planner.plan(loaded, wanted, flopsLink);
    }
    List<StageTime> times =
        costLink == null ? null : Planner.stageTimes(loaded, plan, costs, costLink);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(JSON.writeValueAsString(toJson(loaded, plan, times)));
    } else {
      printTable(out, loaded, plan);
      if (times != null) {
        StageTimesTable.print(out, costLink, times);
      }
    }
    out.flush();
    return AdaptCommand.ExitCodes.OK;
  }

  private static double microsPerFlop(LoadedModel loaded, double[] micros) {
    double flops = Arrays.stream(Planner.flopCosts(loaded)).sum();
    return Arrays.stream(micros).sum() / flops;
  }

  static Map<String, Object> toJson(LoadedModel loaded, Plan plan) {
    return toJson(loaded, plan, null);
  }

  static Map<String, Object> toJson(LoadedModel loaded, Plan plan, List<StageTime> times) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("cutPoints", plan.cutPointNames());
    json.put(
        "stages",
        plan.stages().stream()
            .map(
                stage -> {
                  Map<String, Object> s = new LinkedHashMap<>();
                  s.put("index", stage.index());
                  s.put("from", stage.from());
                  s.put("to", stage.to());
                  s.put("flops", stage.flops());
                  s.put("paramBytes", stage.paramBytes());
                  s.put("outputBytesPerItem", stage.outputBytesPerItem());
                  if (times != null) {
                    StageTime time = times.get(stage.index());
                    s.put("computeSeconds", time.computeSeconds());
                    s.put("inputWireBytesPerItem", time.inWireBytes());
                    s.put("outputWireBytesPerItem", time.outWireBytes());
                    s.put("transferSeconds", time.transferSeconds());
                    s.put("seconds", time.seconds());
                  }
                  return s;
                })
            .toList());
    json.put("validCutPoints", loaded.offeredCutPoints().stream().map(CutPoint::name).toList());
    return json;
  }

  private static void printTable(PrintWriter out, LoadedModel loaded, Plan plan) {
    out.printf(
        "Model %s: %s %s -> %s %s%n",
        loaded.source(),
        loaded.inputName(),
        shape(loaded.input().dtype() + Arrays.toString(loaded.input().shape())),
        loaded.outputName(),
        shape(loaded.output().dtype() + Arrays.toString(loaded.output().shape())));
    List<CutPoint> offered = loaded.offeredCutPoints();
    int inside = loaded.cutPoints().size() - offered.size();
    out.printf(
        "Valid cut points (%d): %s%n",
        offered.size(), String.join(", ", offered.stream().map(CutPoint::name).toList()));
    if (inside > 0) {
      out.printf(
          "  and %d inside layers (between a layer's operations), accepted by tensor name%n",
          inside);
    }
    out.printf(
        "Plan: %d stage%s%s%n%n",
        plan.stageCount(),
        plan.stageCount() == 1 ? "" : "s",
        plan.cutPoints().isEmpty() ? "" : ", cut at " + String.join(", ", plan.cutPointNames()));
    int fromWidth = "from".length();
    int toWidth = "to".length();
    for (Stage stage : plan.stages()) {
      fromWidth = Math.max(fromWidth, stage.from().length());
      toWidth = Math.max(toWidth, stage.to().length());
    }
    String row = "%-5s  %-" + fromWidth + "s  %-" + toWidth + "s  %12s  %10s  %14s%n";
    out.printf(row, "stage", "from", "to", "GFLOPs/item", "params MB", "output KB/item");
    long totalFlops = 0;
    long totalParams = 0;
    for (Stage stage : plan.stages()) {
      out.printf(
          Locale.ROOT,
          row,
          stage.index(),
          stage.from(),
          stage.to(),
          String.format(Locale.ROOT, "%.3f", stage.flops() / 1e9),
          String.format(Locale.ROOT, "%.2f", stage.paramBytes() / 1e6),
          stage.outputBytesPerItem() < 0
              ? "?"
              : String.format(Locale.ROOT, "%.1f", stage.outputBytesPerItem() / 1024.0));
      totalFlops += stage.flops();
      totalParams += stage.paramBytes();
    }
    out.printf(
        Locale.ROOT,
        row,
        "total",
        "",
        "",
        String.format(Locale.ROOT, "%.3f", totalFlops / 1e9),
        String.format(Locale.ROOT, "%.2f", totalParams / 1e6),
        "");
  }

  private static String shape(String text) {
    return text.replace("-1", "?").replace(" ", "");
  }
}
