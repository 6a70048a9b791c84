package dev.adapt.operator.dependent;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** Managed etcd objects exist only while the pipeline does not name an external etcd. */
public class ManagedEtcd implements Condition<Object, InferencePipeline> {

  @Override
  public boolean isMet(
      DependentResource<Object, InferencePipeline> dependentResource,
      InferencePipeline primary,
      Context<InferencePipeline> context) {
    return !primary.getSpec().getEtcd().usesExternal();
  }
}
