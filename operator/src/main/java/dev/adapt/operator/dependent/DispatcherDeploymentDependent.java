package dev.adapt.operator.dependent;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.resources.DispatcherResources;
import dev.adapt.operator.resources.Labels;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

@KubernetesDependent(informer = @Informer(labelSelector = Labels.DISPATCHER_SELECTOR))
public class DispatcherDeploymentDependent
    extends CRUDKubernetesDependentResource<Deployment, InferencePipeline> {

  @Override
  protected Deployment desired(InferencePipeline primary, Context<InferencePipeline> context) {
    return DispatcherResources.deployment(primary, DesiredState.of(context).dispatcherImage());
  }
}
