package dev.adapt.core.plan;

import dev.adapt.core.model.CutPoint;
import java.util.List;

/**
 * How a model is cut into a pipeline: the chosen cut points, and the stages between them.
 *
 * @param model the model's URI ({@code builtin:resnet50} or a SavedModel path)
 * @param cutPoints the chosen cut points, from input to output (one fewer than the stages)
 * @param stages the stages, from input to output
 */
public record Plan(String model, List<CutPoint> cutPoints, List<Stage> stages) {

  public Plan {
    cutPoints = List.copyOf(cutPoints);
    stages = List.copyOf(stages);
    if (stages.size() != cutPoints.size() + 1) {
      throw new IllegalArgumentException(
          cutPoints.size() + " cut points cannot make " + stages.size() + " stages");
    }
  }

  /** The names of the chosen cut points, as {@code adapt plan} prints them. */
  public List<String> cutPointNames() {
    return cutPoints.stream().map(CutPoint::name).toList();
  }

  public int stageCount() {
    return stages.size();
  }
}
