package dev.adapt.operator.dependent;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.resources.Labels;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.GarbageCollected;
import io.javaoperatorsdk.operator.processing.dependent.CRUDKubernetesBulkDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The Secrets of the pipeline's CA and its components' certificates, as the reconciler decided them
 * from what the Secrets held ({@code PipelineCertificates}).
 */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.PEER_TLS_SELECTOR))
public class PeerTlsSecretsDependent extends KubernetesDependentResource<Secret, InferencePipeline>
    implements CRUDKubernetesBulkDependentResource<Secret, InferencePipeline>,
        GarbageCollected<InferencePipeline> {

  @Override
  public Map<ResourceID, Secret> desiredResources(
      InferencePipeline primary, Context<InferencePipeline> context) {
    return DesiredState.of(context).peerTlsSecrets().stream()
        .collect(Collectors.toMap(ResourceID::fromResource, Function.identity()));
  }

  @Override
  public Map<ResourceID, Secret> getSecondaryResources(
      InferencePipeline primary, Context<InferencePipeline> context) {
    return context
        .getSecondaryResourcesAsStream(Secret.class)
        .collect(Collectors.toMap(ResourceID::fromResource, Function.identity()));
  }
}
