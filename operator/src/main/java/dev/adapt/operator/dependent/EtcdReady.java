package dev.adapt.operator.dependent;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** All members of the managed etcd are ready. */
public class EtcdReady implements Condition<StatefulSet, InferencePipeline> {

  @Override
  public boolean isMet(
      DependentResource<StatefulSet, InferencePipeline> dependentResource,
      InferencePipeline primary,
      Context<InferencePipeline> context) {
    return dependentResource
        .getSecondaryResource(primary, context)
        .map(Readiness::ofStatefulSet)
        .orElse(false);
  }
}
