package dev.adapt.core.plan;

import dev.adapt.core.graph.GraphIndex;
import dev.adapt.core.graph.GraphPruner;
import dev.adapt.core.graph.NameResolver;
import dev.adapt.core.graph.TensorName;
import dev.adapt.core.model.CutPoint;
import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.security.DisallowedOpException;
import dev.adapt.core.security.OpAllowlist;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.proto.NodeDef;

/**
 * Chooses where to cut a model: at named split points, or into N stages whose most expensive stage
 * is as cheap as possible.
 */
public final class Planner {
  private static final Logger log = LoggerFactory.getLogger(Planner.class);
  private static final int SUGGESTIONS = 3;

  /** A balanced stage does at least this share of the model's work (FLOPs or measured time). */
  static final double MIN_STAGE_SHARE = 0.01;

  private Planner() {}

  /**
   * Plans the cuts a partitioning request asks for.
   *
   * @throws InvalidPlanException when the request is the spec's fault: split points that are no
   *     valid cut points, or a stage count the model cannot be cut into
   * @throws DisallowedOpException when the model holds operations a pipeline does not run
   */
  public static Plan plan(LoadedModel model, Partitioning partitioning) {
    return plan(model, partitioning, null);
  }

  /**
   * As {@link #plan(LoadedModel, Partitioning)}; balanced stages are balanced by their time on
   * {@code link}'s devices when it is given (split points are taken as named either way).
   */
  public static Plan plan(LoadedModel model, Partitioning partitioning, LinkModel link) {
    requireModelOps(model);
    if (partitioning instanceof Partitioning.AtSplitPoints at) {
      return named(model, at.names());
    }
    return balanced(model, partitioning.stageCount(), link);
  }

  /**
   * Refuses a model whose inference graph holds an operation outside {@link
   * OpAllowlist#modelOps()}, before any plan of it is made: no worker would load its slices.
   *
   * @throws DisallowedOpException naming each such operation's node and type
   */
  private static void requireModelOps(LoadedModel model) {
    GraphIndex graph = model.graph();
    Set<String> inference =
        GraphPruner.requiredOps(graph, List.of(model.outputTensor()), Set.of(model.inputTensor()));
    List<NodeDef> nodes = new ArrayList<>();
    for (NodeDef node : graph.nodes()) {
      if (inference.contains(node.getName())) {
        nodes.add(node);
      }
    }
    OpAllowlist.modelOps().check(nodes, "the inference graph of " + model.source());
  }

  /**
   * Cuts at the named split points: Keras layer names, operation names or tensor names, from input
   * to output.
   *
   * @throws InvalidSplitPointException if a name is unknown, is no valid cut point, or is out of
   *     order
   */
  public static Plan named(LoadedModel model, List<String> splitAt) {
    List<CutPoint> cuts = new ArrayList<>();
    for (String name : splitAt) {
      CutPoint cut = resolveCutPoint(model, name.trim());
      if (!cuts.isEmpty() && cut.index() <= cuts.get(cuts.size() - 1).index()) {
        CutPoint previous = cuts.get(cuts.size() - 1);
        throw new InvalidSplitPointException(
            name,
            cut.index() == previous.index()
                ? "it is the same cut point as '" + previous.name() + "'"
                : "split points must go from input to output, and it comes before '"
                    + previous.name()
                    + "'",
            List.of());
      }
      cuts.add(cut);
    }
    return planAt(model, cuts);
  }

  /** Resolves one name to a valid cut point, or says why it is none. */
  public static CutPoint resolveCutPoint(LoadedModel model, String name) {
    NameResolver.Resolution resolution = model.names().resolve(name);
    if (resolution.tensor().isEmpty()) {
      String problem =
          model.namedOutsideInferenceGraph(name)
              ? "'"
                  + name
                  + "' exists in the SavedModel but not in its inference graph (layers that do"
                  + " nothing at inference, such as Dropout, are left out of the serving"
                  + " signature)"
              : resolution.problem();
      throw new InvalidSplitPointException(name, problem, similarNames(model, name));
    }
    TensorName tensor = resolution.tensor().get();
    Optional<CutPoint> cut = model.cutPoint(tensor);
    if (cut.isPresent()) {
      return cut.get();
    }
    if (tensor.equals(model.inputTensor()) || tensor.equals(model.outputTensor())) {
      throw new InvalidSplitPointException(
          name,
          "it is the model's " + (tensor.equals(model.inputTensor()) ? "input" : "output"),
          List.of());
    }
    if (!model.paths().isOnPath(tensor)) {
      throw new InvalidSplitPointException(
          name,
          "tensor " + tensor + " is not on the path from the model's input to its output",
          similarNames(model, name));
    }
    List<String> enclosing = new ArrayList<>();
    int position = model.paths().position(tensor);
    CutPoint before = null;
    CutPoint after = null;
    for (CutPoint candidate : model.cutPoints()) {
      int at = model.paths().position(candidate.tensor());
      if (at < position) {
        before = candidate;
      } else if (at > position && after == null) {
        after = candidate;
      }
    }
    if (before != null) {
      enclosing.add(before.name() + " (before)");
    }
    if (after != null) {
      enclosing.add(after.name() + " (after)");
    }
    throw new InvalidSplitPointException(
        name,
        "tensor "
            + tensor
            + " is crossed by a skip connection (or another parallel path), so the stages would"
            + " have to exchange more than one tensor",
        enclosing);
  }

  private static List<String> similarNames(LoadedModel model, String name) {
    return model.offeredCutPoints().stream()
        .map(CutPoint::name)
        .sorted(Comparator.comparingInt((String valid) -> editDistance(name, valid)))
        .limit(SUGGESTIONS)
        .toList();
  }

  /** Balances {@code stages} stages by FLOPs. */
  public static Plan balanced(LoadedModel model, int stages) {
    return balanced(model, stages, (LinkModel) null);
  }

  /** Balances {@code stages} stages by FLOPs, or by their time on {@code link} when given. */
  public static Plan balanced(LoadedModel model, int stages, LinkModel link) {
    return balanced(model, stages, flopCosts(model), link);
  }

  /** The FLOPs of each segment, as segment costs. */
  public static double[] flopCosts(LoadedModel model) {
    long[] flops = model.segmentFlops();
    double[] costs = new double[flops.length];
    for (int i = 0; i < flops.length; i++) {
      costs[i] = flops[i];
    }
    return costs;
  }

  /**
   * Chooses {@code stages - 1} cut points that minimise the cost of the most expensive stage, where
   * {@code segmentCosts[i]} is the cost of segment i ({@link LoadedModel#segmentFlops()} explains
   * segments). Among the cuts that reach that minimum, the one that moves the fewest activation
   * bytes between stages wins, then the earliest.
   */
  public static Plan balanced(LoadedModel model, int stages, double[] segmentCosts) {
    return balanced(model, stages, segmentCosts, null);
  }

  /**
   * As {@link #balanced(LoadedModel, int, double[])}; with a {@code link}, a stage's cost is its
   * time on the link's devices ({@link LinkModel}: compute or transfer of its input and output,
   * whichever is slower), so that the plan maximises the pipeline's throughput, and ties go to the
   * cuts with the fewest expected wire bytes ({@link WireSizes}: of a residual block's {@code _add}
   * and its {@code _out} after the ReLU, the {@code _out} where LZ4 compresses the ReLU's zeros).
   */
  public static Plan balanced(
      LoadedModel model, int stages, double[] segmentCosts, LinkModel link) {
    if (segmentCosts.length != model.cutPoints().size() + 1) {
      throw new IllegalArgumentException(
          "expected "
              + (model.cutPoints().size() + 1)
              + " segment costs, got "
              + segmentCosts.length);
    }
    List<CutPoint> all = model.offeredCutPoints();
    double[] costs = mergedCosts(segmentCosts, all);
    if (stages < 1) {
      throw new InvalidPlanException("a plan needs at least one stage, not " + stages);
    }
    if (stages > all.size() + 1) {
      throw new InvalidPlanException(
          "cannot cut "
              + model.source().uri()
              + " into "
              + stages
              + " stages: it has "
              + all.size()
              + " valid cut points, so at most "
              + (all.size() + 1)
              + " stages");
    }
    double total = Arrays.stream(costs).sum();
    int[] chosen;
    if (link == null) {
      chosen =
          BalancedPartition.partition(
              costs, stages, i -> all.get(i).bytesPerItem(), total * MIN_STAGE_SHARE);
    } else {
      long[] wire = new long[all.size() + 2];
      wire[0] = inputWireBytes(model, link);
      for (int i = 0; i < all.size(); i++) {
        wire[i + 1] = cutWireBytes(model, all.get(i), link);
      }
      wire[all.size() + 1] = outputWireBytes(model, link);
      chosen = BalancedPartition.partition(costs, stages, wire, total * MIN_STAGE_SHARE, link);
    }
    if (chosen == null) {
      throw new InvalidPlanException(
          "cannot cut "
              + model.source().uri()
              + " into "
              + stages
              + " stages that each do at least "
              + Math.round(MIN_STAGE_SHARE * 100)
              + "% of its work; ask for fewer stages");
    }
    List<CutPoint> cuts = new ArrayList<>();
    for (int index : chosen) {
      cuts.add(all.get(index));
    }
    Plan plan = planAt(model, cuts);
    if (link != null) {
      double slowest =
          stageTimes(model, plan, segmentCosts, link).stream()
              .mapToDouble(StageTime::seconds)
              .max()
              .orElse(0);
      log.info(
          "Planned {} stages for links of {} Mbit/s: cut at {}, slowest stage {} ms per item",
          stages,
          String.format(Locale.ROOT, "%.1f", link.linkBytesPerSecond() * 8 / 1e6),
          plan.cutPointNames(),
          String.format(Locale.ROOT, "%.1f", slowest * 1e3));
    }
    return plan;
  }

  /**
   * Each stage's estimated time per item on {@code link}'s devices, with {@code segmentCosts} in
   * the link's unit of work ({@link #flopCosts} for FLOPs).
   */
  public static List<StageTime> stageTimes(
      LoadedModel model, Plan plan, double[] segmentCosts, LinkModel link) {
    List<StageTime> times = new ArrayList<>();
    int firstSegment = 0;
    long in = inputWireBytes(model, link);
    for (int i = 0; i < plan.stageCount(); i++) {
      boolean last = i == plan.stageCount() - 1;
      int endSegment = last ? segmentCosts.length : plan.cutPoints().get(i).index() + 1;
      double work = 0;
      for (int s = firstSegment; s < endSegment; s++) {
        work += segmentCosts[s];
      }
      long out =
          last ? outputWireBytes(model, link) : cutWireBytes(model, plan.cutPoints().get(i), link);
      times.add(
          new StageTime(i, link.computeSeconds(work), in, out, link.transferSeconds(in, out)));
      in = out;
      firstSegment = endSegment;
    }
    return times;
  }

  private static long cutWireBytes(LoadedModel model, CutPoint cut, LinkModel link) {
    return WireSizes.of(model.graph(), cut.tensor(), cut.bytesPerItem(), link.encoding());
  }

  private static long inputWireBytes(LoadedModel model, LinkModel link) {
    return WireSizes.of(
        model.graph(), model.inputTensor(), model.input().bytesPerItem(), link.encoding());
  }

  /** The last stage answers with exact floats (the dispatcher returns them as they are). */
  private static long outputWireBytes(LoadedModel model, LinkModel link) {
    return WireSizes.of(
        model.graph(),
        model.outputTensor(),
        model.output().bytesPerItem(),
        link.encoding().exact());
  }

  /** The costs of the segments between consecutive offered cut points. */
  private static double[] mergedCosts(double[] segmentCosts, List<CutPoint> offered) {
    double[] merged = new double[offered.size() + 1];
    int group = 0;
    for (int segment = 0; segment < segmentCosts.length; segment++) {
      merged[group] += segmentCosts[segment];
      // Cut i lies after segment i: an offered cut there closes the group.
      if (group < offered.size() && offered.get(group).index() == segment) {
        group++;
      }
    }
    return merged;
  }

  private static Plan planAt(LoadedModel model, List<CutPoint> cuts) {
    long[] flops = model.segmentFlops();
    List<Stage> stages = new ArrayList<>();
    TensorName from = model.inputTensor();
    String fromName = model.inputName();
    int firstSegment = 0;
    for (int i = 0; i <= cuts.size(); i++) {
      boolean last = i == cuts.size();
      TensorName to = last ? model.outputTensor() : cuts.get(i).tensor();
      String toName = last ? model.outputName() : cuts.get(i).name();
      int endSegment = last ? flops.length : cuts.get(i).index() + 1;
      long stageFlops = 0;
      for (int s = firstSegment; s < endSegment; s++) {
        stageFlops += flops[s];
      }
      long outputBytes = last ? model.output().bytesPerItem() : cuts.get(i).bytesPerItem();
      stages.add(
          new Stage(
              i,
              fromName,
              toName,
              from,
              to,
              stageFlops,
              model.parameterBytes(from, to),
              outputBytes));
      from = to;
      fromName = toName;
      firstSegment = endSegment;
    }
    return new Plan(model.source().uri(), cuts, stages);
  }

  static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
