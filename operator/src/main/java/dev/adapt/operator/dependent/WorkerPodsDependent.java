package dev.adapt.operator.dependent;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.resources.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.GarbageCollected;
import io.javaoperatorsdk.operator.processing.dependent.CRUDKubernetesBulkDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The worker pods, one per stage replica plus the standbys, as decided by the reconciler. Pods are
 * created and deleted, never updated: a pod of an older template is replaced by the decision.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.WORKER_SELECTOR))
public class WorkerPodsDependent extends KubernetesDependentResource<Pod, InferencePipeline>
    implements CRUDKubernetesBulkDependentResource<Pod, InferencePipeline>,
        GarbageCollected<InferencePipeline> {

  @Override
  public Map<ResourceID, Pod> desiredResources(
      InferencePipeline primary, Context<InferencePipeline> context) {
    DesiredState desired = DesiredState.of(context);
    return desired.workerNames().stream()
        .map(desired.workers()::pod)
        .collect(Collectors.toMap(ResourceID::fromResource, Function.identity()));
  }

  @Override
  public Map<ResourceID, Pod> getSecondaryResources(
      InferencePipeline primary, Context<InferencePipeline> context) {
    return context
        .getSecondaryResourcesAsStream(Pod.class)
        .collect(Collectors.toMap(ResourceID::fromResource, Function.identity()));
  }

  @Override
  public Matcher.Result<Pod> match(
      Pod actual, Pod desired, InferencePipeline primary, Context<InferencePipeline> context) {
    return Matcher.Result.nonComputed(true);
  }
}
