package dev.adapt.dispatcher.plans;

import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.model.ModelSource;
import dev.adapt.dispatcher.requests.ModelInfo;
import java.util.List;

/**
 * What the dispatcher serves: the model as clients see it, where it came from, the resolved plan
 * (published to the membership), and one slice per stage, in stage order.
 */
public record ServedPipeline(
    ModelInfo model, ModelSource source, PlanRecord plan, List<StageSlice> slices) {

  public ServedPipeline {
    slices = List.copyOf(slices);
    if (plan.stageCount() != slices.size()) {
      throw new IllegalArgumentException(
          "plan has " + plan.stageCount() + " stages but " + slices.size() + " slices were given");
    }
  }

  public int stageCount() {
    return slices.size();
  }

  public StageSlice slice(int stage) {
    return slices.get(stage);
  }
}
