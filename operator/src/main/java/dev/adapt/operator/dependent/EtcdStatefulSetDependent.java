package dev.adapt.operator.dependent;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.resources.EtcdResources;
import dev.adapt.operator.resources.Labels;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

@KubernetesDependent(informer = @Informer(labelSelector = Labels.ETCD_SELECTOR))
public class EtcdStatefulSetDependent
    extends CRUDKubernetesDependentResource<StatefulSet, InferencePipeline> {

  @Override
  protected StatefulSet desired(InferencePipeline primary, Context<InferencePipeline> context) {
    return EtcdResources.statefulSet(primary, DesiredState.of(context).etcdImage());
  }
}
