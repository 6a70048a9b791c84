package dev.adapt.operator.dependent;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.resources.NetworkPolicies;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/** The managed etcd hears only the pipeline's pods and the operator's namespace. */
public class EtcdNetworkPolicyDependent
    extends CRUDKubernetesDependentResource<NetworkPolicy, InferencePipeline> {

  @Override
  protected NetworkPolicy desired(InferencePipeline primary, Context<InferencePipeline> context) {
    return NetworkPolicies.etcd(primary, DesiredState.of(context).operatorNamespace());
  }
}
