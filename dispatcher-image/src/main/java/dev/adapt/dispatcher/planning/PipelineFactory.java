package dev.adapt.dispatcher.planning;

import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.PlanStage;
import dev.adapt.core.membership.SpecRecord;
import dev.adapt.core.model.CutPoint;
import dev.adapt.core.model.LoadedModel;
import dev.adapt.core.model.ModelLoadException;
import dev.adapt.core.model.ModelLoader;
import dev.adapt.core.model.ModelSource;
import dev.adapt.core.plan.InvalidPlanException;
import dev.adapt.core.plan.LinkModel;
import dev.adapt.core.plan.Partitioning;
import dev.adapt.core.plan.Plan;
import dev.adapt.core.plan.Planner;
import dev.adapt.core.plan.Stage;
import dev.adapt.core.security.DisallowedOpException;
import dev.adapt.core.slice.SliceArtifact;
import dev.adapt.core.slice.Slicer;
import dev.adapt.dispatcher.plans.ServedPipeline;
import dev.adapt.dispatcher.plans.StageSlice;
import dev.adapt.dispatcher.requests.ModelInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Resolves a partitioning request into what the dispatcher serves: plan, slices, model view. */
public final class PipelineFactory {
  private PipelineFactory() {}

  /**
   * Plans and slices a loaded model as {@code partitioning} asks.
   *
   * @throws InvalidPlanException for split points or a stage count the model does not allow
   * @throws DisallowedOpException for a model holding operations a pipeline does not run
   */
  public static ServedPipeline build(
      LoadedModel model, Partitioning partitioning, long generation) {
    return build(model, partitioning, generation, null);
  }

  /**
   * As {@link #build(LoadedModel, Partitioning, long)}, balancing stages by their time on {@code
   * link}'s devices when it is given.
   */
  public static ServedPipeline build(
      LoadedModel model, Partitioning partitioning, long generation, LinkModel link) {
    Plan plan = Planner.plan(model, partitioning, link);
    List<SliceArtifact> artifacts = Slicer.slice(model, plan);
    List<StageSlice> slices = new ArrayList<>();
    List<PlanStage> planStages = new ArrayList<>();
    for (int i = 0; i < artifacts.size(); i++) {
      SliceArtifact artifact = artifacts.get(i);
      Stage stage = plan.stages().get(i);
      slices.add(new StageSlice(i, artifact.sha256(), artifact.bytes()));
      planStages.add(
          new PlanStage(
              i,
              stage.from(),
              stage.to(),
              stage.flops(),
              stage.paramBytes(),
              stage.outputBytesPerItem(),
              artifact.sha256()));
    }
    PlanRecord record =
        new PlanRecord(
            generation,
            model.source().uri(),
            specHash(model.source(), partitioning),
            plan.cutPointNames(),
            planStages,
            null,
            validCutPoints(model));
    return new ServedPipeline(modelInfo(model), model.source(), record, slices);
  }

  /**
   * What a partitioning request resolves to: the pipeline to serve, or (for split points that are
   * no valid cut points, more stages than the model has segments, or a model holding operations a
   * pipeline does not run) the failed plan that tells the operator why.
   */
  public record Resolution(ServedPipeline served, PlanRecord failed) {
    public boolean valid() {
      return served != null;
    }

    /** The plan to publish either way. */
    public PlanRecord plan() {
      return valid() ? served.plan() : failed;
    }
  }

  /**
   * Loads the model a spec names, then plans and slices it. The loaded model is not kept: only the
   * slices stay, so that a re-plan holds at most the old slices, the new slices and one loaded
   * model at once.
   *
   * <p>Only the spec's faults become a failed plan (an InvalidSpec for the operator). Anything else
   * that goes wrong while planning or slicing is this dispatcher's failure and is thrown as it is,
   * so that it is not reported as the user's.
   *
   * @throws ModelLoadException when the model cannot be loaded
   */
  public static Resolution resolve(SpecRecord spec) {
    LoadedModel loaded = ModelLoader.load(source(spec));
    try {
      return new Resolution(build(loaded, spec.partitioning(), spec.generation()), null);
    } catch (InvalidPlanException | DisallowedOpException e) {
      return new Resolution(
          null,
          failed(
              loaded.source(),
              spec.splitAt(),
              spec.stages(),
              spec.generation(),
              e.getMessage(),
              validCutPoints(loaded)));
    }
  }

  /** The spec's model; a name no model has (an unknown built-in) is a model that cannot load. */
  private static ModelSource source(SpecRecord spec) {
    try {
      return ModelSource.parse(spec.model(), spec.signature());
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException("cannot load model " + spec.model() + ": " + e.getMessage(), e);
    }
  }

  /** The plan record that tells the operator why a spec cannot be served. */
  public static PlanRecord failed(
      ModelSource source,
      List<String> splitAt,
      Integer stages,
      long generation,
      String error,
      List<String> validCutPoints) {
    return PlanRecord.failed(
        generation, source.uri(), specHash(source, splitAt, stages), error, validCutPoints);
  }

  public static List<String> validCutPoints(LoadedModel model) {
    return model.offeredCutPoints().stream().map(CutPoint::name).toList();
  }

  /** The model as clients see it: named like the model, with the signature's tensor names. */
  public static ModelInfo modelInfo(LoadedModel model) {
    return new ModelInfo(
        modelName(model.source()),
        "1",
        "tensorflow_graphdef",
        model.input().withName(model.inputName()),
        model.output().withName(model.outputName()));
  }

  /** {@code resnet50} for {@code builtin:resnet50}, the directory name for a SavedModel. */
  public static String modelName(ModelSource source) {
    String name =
        source.kind() == ModelSource.Kind.BUILTIN
            ? source.location()
            : String.valueOf(Path.of(source.location()).getFileName());
    return name.replaceAll("[^A-Za-z0-9_.-]", "_");
  }

  private static String specHash(ModelSource source, Partitioning partitioning) {
    return partitioning instanceof Partitioning.AtSplitPoints at
        ? specHash(source, at.names(), null)
        : specHash(source, null, partitioning.stageCount());
  }

  static String specHash(ModelSource source, List<String> splitAt, Integer stages) {
    String spec = source.uri() + "|" + source.signature() + "|" + splitAt + "|" + stages;
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(spec.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }
}
