package dev.adapt.operator.dependent;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** Every wanted dispatcher replica is ready. */
public class DispatcherReady implements Condition<Deployment, InferencePipeline> {

  @Override
  public boolean isMet(
      DependentResource<Deployment, InferencePipeline> dependentResource,
      InferencePipeline primary,
      Context<InferencePipeline> context) {
    return dependentResource
        .getSecondaryResource(primary, context)
        .map(Readiness::ofDeployment)
        .orElse(false);
  }
}
