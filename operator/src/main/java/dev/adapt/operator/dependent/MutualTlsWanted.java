package dev.adapt.operator.dependent;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.resources.PeerTlsSecrets;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** The pipeline's CA and certificates exist while {@code spec.security.mutualTls} is on. */
public class MutualTlsWanted implements Condition<Object, InferencePipeline> {

  @Override
  public boolean isMet(
      DependentResource<Object, InferencePipeline> dependentResource,
      InferencePipeline primary,
      Context<InferencePipeline> context) {
    return PeerTlsSecrets.wanted(primary);
  }
}
