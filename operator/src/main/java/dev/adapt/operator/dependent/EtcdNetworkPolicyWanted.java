package dev.adapt.operator.dependent;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** The managed etcd's NetworkPolicy: wanted, and the etcd is the operator's own. */
public class EtcdNetworkPolicyWanted implements Condition<Object, InferencePipeline> {

  @Override
  public boolean isMet(
      DependentResource<Object, InferencePipeline> dependentResource,
      InferencePipeline primary,
      Context<InferencePipeline> context) {
    return NetworkPolicyWanted.wanted(primary) && !primary.getSpec().getEtcd().usesExternal();
  }
}
