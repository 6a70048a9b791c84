package dev.adapt.operator.dependent;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.resources.EtcdResources;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/** The Service through which the dispatcher, the workers and the operator reach managed etcd. */
public class EtcdClientServiceDependent
    extends CRUDKubernetesDependentResource<Service, InferencePipeline> {

  @Override
  protected Service desired(InferencePipeline primary, Context<InferencePipeline> context) {
    return EtcdResources.clientService(primary);
  }
}
