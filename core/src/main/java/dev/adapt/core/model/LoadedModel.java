package dev.adapt.core.model;

import dev.adapt.core.graph.GraphIndex;
import dev.adapt.core.graph.GraphPruner;
import dev.adapt.core.graph.LayerScopes;
import dev.adapt.core.graph.NameResolver;
import dev.adapt.core.graph.OpCosts;
import dev.adapt.core.graph.PathAnalysis;
import dev.adapt.core.graph.TensorName;
import dev.adapt.core.graph.TensorShapes;
import dev.adapt.core.tensor.DType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;

/**
 * A model ready to be sliced: one flat, frozen graph from a single input tensor to a single output
 * tensor, with its valid cut points and the cost of each segment between them.
 *
 * <p>Plain data once built (no native TensorFlow resources are held), so it can be shared between
 * threads and kept as long as needed.
 */
public final class LoadedModel {
  private final ModelSource source;
  private final GraphDef graphDef;
  private final GraphIndex graph;
  private final TensorSpec input;
  private final TensorSpec output;
  private final String inputName;
  private final String outputName;
  private final PathAnalysis paths;
  private final NameResolver names;
  private final Set<String> savedModelScopes;
  private final TensorShapes shapes;
  private final List<CutPoint> cutPoints;
  private final Map<TensorName, CutPoint> cutPointByTensor = new HashMap<>();
  private final long[] segmentFlops;
  private final int[] keptBefore;
  private final Map<String, Long> constantBytes = new HashMap<>();

  private LoadedModel(
      ModelSource source,
      GraphDef graphDef,
      TensorName inputTensor,
      TensorName outputTensor,
      String inputName,
      String outputName,
      LayerScopes layers,
      Set<String> savedModelScopes) {
    this.source = source;
    this.savedModelScopes = Set.copyOf(savedModelScopes);
    this.graphDef = graphDef;
    this.graph = new GraphIndex(graphDef);
    this.inputName = inputName;
    this.outputName = outputName;
    this.shapes = TensorShapes.infer(graphDef);
    this.input = spec(inputTensor, "input");
    this.output = spec(outputTensor, "output");
    try {
      this.paths = PathAnalysis.of(graph, inputTensor, outputTensor);
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException(source + ": " + e.getMessage(), e);
    }
    this.names = new NameResolver(graph, outputTensor, layers);

    // A cut must carry a tensor the pipeline can ship: a known element type and rank.
    List<TensorName> analysed = paths.cutPoints();
    this.keptBefore = new int[analysed.size() + 1];
    List<CutPoint> kept = new ArrayList<>();
    for (int i = 0; i < analysed.size(); i++) {
      keptBefore[i] = kept.size();
      TensorName tensor = analysed.get(i);
      Optional<TensorSpec> spec = shippable(tensor);
      if (spec.isPresent()) {
        CutPoint cut = new CutPoint(names.label(tensor), tensor, kept.size(), spec.get());
        kept.add(cut);
        cutPointByTensor.put(tensor, cut);
      }
    }
    keptBefore[analysed.size()] = kept.size();
    this.cutPoints = List.copyOf(kept);

    this.segmentFlops = new long[cutPoints.size() + 1];
    for (String op : paths.ops()) {
      int segment = keptBefore[paths.segment(op)];
      segmentFlops[segment] += OpCosts.flopsPerItem(graph.node(op), graph, shapes);
    }
    for (NodeDef node : graph.nodes()) {
      if (node.getOp().equals("Const")) {
        constantBytes.put(node.getName(), constantBytes(node));
      }
    }
  }

  /** Analyses a frozen graph (as produced by {@link ModelLoader}). */
  static LoadedModel analyse(
      ModelSource source, SavedModelFreezer.Frozen frozen, String inputName, String outputName) {
    return new LoadedModel(
        source,
        frozen.graph(),
        frozen.input(),
        frozen.output(),
        inputName,
        outputName,
        frozen.layers(),
        frozen.savedModelScopes());
  }

  /**
   * Whether {@code name} names a scope or operation somewhere in the SavedModel (another function,
   * the training graph) although not in the inference graph that is served.
   */
  public boolean namedOutsideInferenceGraph(String name) {
    return savedModelScopes.contains(name) && !graph.contains(name);
  }

  /**
   * The cut points offered to users and to balanced plans: those at the output of a Keras layer
   * when the model has layers (cuts inside a layer, such as between a convolution and its bias, are
   * still accepted by tensor or operation name), else all.
   */
  public List<CutPoint> offeredCutPoints() {
    if (names.layers().isEmpty()) {
      return cutPoints;
    }
    return cutPoints.stream().filter(cut -> names.layers().hasLayer(cut.name())).toList();
  }

  private TensorSpec spec(TensorName tensor, String role) {
    return shippable(tensor)
        .orElseThrow(
            () ->
                new ModelLoadException(
                    source
                        + ": the "
                        + role
                        + " "
                        + tensor
                        + " is "
                        + shapes.dtype(tensor)
                        + " of unknown or unsupported shape; a pipeline carries dense numeric"
                        + " tensors with a batch dimension"));
  }

  private Optional<TensorSpec> shippable(TensorName tensor) {
    TensorShapes.Info info = shapes.info(tensor);
    Optional<DType> dtype = DType.fromTensorFlowName(info.dtype().name());
    if (dtype.isEmpty() || info.shape() == null || info.shape().length == 0) {
      return Optional.empty();
    }
    return Optional.of(new TensorSpec(tensor.toString(), dtype.get(), info.shape()));
  }

  private static long constantBytes(NodeDef node) {
    TensorProto value = node.getAttrOrThrow("value").getTensor();
    if (!value.getTensorContent().isEmpty()) {
      return value.getTensorContent().size();
    }
    int size = TensorShapes.elementSize(value.getDtype());
    long elements = 1;
    for (var dim : value.getTensorShape().getDimList()) {
      elements *= Math.max(0, dim.getSize());
    }
    return size < 0 ? value.getSerializedSize() : elements * size;
  }

  public ModelSource source() {
    return source;
  }

  /** The frozen graph: only operations between input and output, weights as constants. */
  public GraphDef graphDef() {
    return graphDef;
  }

  public GraphIndex graph() {
    return graph;
  }

  public TensorSpec input() {
    return input;
  }

  public TensorSpec output() {
    return output;
  }

  /** The signature's name for the input, e.g. {@code input_1}. */
  public String inputName() {
    return inputName;
  }

  /** The signature's name for the output, e.g. {@code predictions}. */
  public String outputName() {
    return outputName;
  }

  public TensorName inputTensor() {
    return paths.input();
  }

  public TensorName outputTensor() {
    return paths.output();
  }

  /** The valid cut points, from input to output. */
  public List<CutPoint> cutPoints() {
    return cutPoints;
  }

  public Optional<CutPoint> cutPoint(TensorName tensor) {
    return Optional.ofNullable(cutPointByTensor.get(tensor));
  }

  public PathAnalysis paths() {
    return paths;
  }

  public NameResolver names() {
    return names;
  }

  public TensorShapes shapes() {
    return shapes;
  }

  /**
   * FLOPs per item of each segment: segment 0 runs from the input to cut point 0, segment i from
   * cut point i-1 to cut point i, the last from the last cut point to the output.
   */
  public long[] segmentFlops() {
    return segmentFlops.clone();
  }

  /**
   * The segment an operation of the frozen graph belongs to (see {@link #segmentFlops()}), or -1
   * for an operation on no path from input to output (constants and what they alone feed).
   */
  public int segmentOf(String op) {
    return paths.isOnPath(op) ? keptBefore[paths.segment(op)] : -1;
  }

  /** Bytes of the constants (weights) a slice from {@code from} to {@code to} holds. */
  public long parameterBytes(TensorName from, TensorName to) {
    long bytes = 0;
    for (String op : GraphPruner.requiredOps(graph, List.of(to), Set.of(from))) {
      bytes += constantBytes.getOrDefault(op, 0L);
    }
    return bytes;
  }

  /** Bytes of all constants of the model. */
  public long parameterBytes() {
    return constantBytes.values().stream().mapToLong(Long::longValue).sum();
  }

  @Override
  public String toString() {
    return source + " (" + input + " → " + output + ", " + cutPoints.size() + " cut points)";
  }
}
