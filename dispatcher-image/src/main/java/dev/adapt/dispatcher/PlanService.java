package dev.adapt.dispatcher;

import dev.adapt.core.tensor.HostTensor;
import dev.adapt.dispatcher.batching.Batcher;
import dev.adapt.dispatcher.plans.PlanGeneration;
import dev.adapt.dispatcher.plans.ServedPlans;
import dev.adapt.dispatcher.requests.InferenceService;
import dev.adapt.dispatcher.requests.ModelInfo;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The client API's back end: the current plan's model, admission under the current plan, and
 * batching. Each request is counted against the plan it was admitted under until it is answered, so
 * that a replaced plan is forgotten only when nothing can route to it any more.
 */
final class PlanService implements InferenceService {
  private final ServedPlans plans;
  private final Batcher batcher;

  PlanService(ServedPlans plans, Batcher batcher) {
    this.plans = plans;
    this.batcher = batcher;
  }

  @Override
  public ModelInfo model() {
    return plans.current().model();
  }

  @Override
  public boolean ready() {
    return plans.ready();
  }

  @Override
  public CompletableFuture<HostTensor> infer(
      ModelInfo model, String requestId, HostTensor input, Duration timeout) {
    PlanGeneration lane = plans.admit(model);
    CompletableFuture<HostTensor> result;
    try {
      result = batcher.submit(requestId, input, timeout, lane.generation());
    } catch (RuntimeException e) {
      plans.answered(lane);
      throw e;
    }
    result.whenComplete((output, error) -> plans.answered(lane));
    return result;
  }
}
