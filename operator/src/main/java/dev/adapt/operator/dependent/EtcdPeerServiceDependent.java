package dev.adapt.operator.dependent;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.resources.EtcdResources;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/** The headless Service through which managed etcd members find each other. */
public class EtcdPeerServiceDependent
    extends CRUDKubernetesDependentResource<Service, InferencePipeline> {

  @Override
  protected Service desired(InferencePipeline primary, Context<InferencePipeline> context) {
    return EtcdResources.peerService(primary);
  }
}
