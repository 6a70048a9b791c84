package dev.adapt.operator.dependent;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.resources.DispatcherResources;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/** The pipeline's endpoint: Open Inference Protocol over REST and gRPC, and metrics. */
public class DispatcherServiceDependent
    extends CRUDKubernetesDependentResource<Service, InferencePipeline> {

  @Override
  protected Service desired(InferencePipeline primary, Context<InferencePipeline> context) {
    return DispatcherResources.service(primary);
  }
}
