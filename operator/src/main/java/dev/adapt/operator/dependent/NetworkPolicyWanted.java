package dev.adapt.operator.dependent;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.crd.v1alpha1.SecuritySpec;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** The pipeline's NetworkPolicies exist while {@code spec.security.networkPolicy} is on. */
public class NetworkPolicyWanted implements Condition<Object, InferencePipeline> {

  @Override
  public boolean isMet(
      DependentResource<Object, InferencePipeline> dependentResource,
      InferencePipeline primary,
      Context<InferencePipeline> context) {
    return wanted(primary);
  }

  static boolean wanted(InferencePipeline pipeline) {
    SecuritySpec security = pipeline.getSpec().getSecurity();
    return security == null || !Boolean.FALSE.equals(security.getNetworkPolicy());
  }
}
