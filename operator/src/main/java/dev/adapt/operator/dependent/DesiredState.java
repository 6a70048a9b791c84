package dev.adapt.operator.dependent;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.resources.WorkerPods;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.List;

/**
 * What the reconciler decided before running the workflow: the images to run and the worker pods to
 * keep or create. Dependents build their objects from it and the primary.
 *
 * @param peerTlsSecrets the pipeline's CA and certificates, empty without mutual TLS
 * @param operatorNamespace where the operator runs, empty when outside the cluster
 */
public record DesiredState(
    String etcdImage,
    String dispatcherImage,
    WorkerPods.Template workers,
    List<String> workerNames,
    List<Secret> peerTlsSecrets,
    String operatorNamespace) {

  private static final String KEY = DesiredState.class.getName();

  public void putInto(Context<InferencePipeline> context) {
    context.managedWorkflowAndDependentResourceContext().put(KEY, this);
  }

  static DesiredState of(Context<InferencePipeline> context) {
    return context
        .managedWorkflowAndDependentResourceContext()
        .getMandatory(KEY, DesiredState.class);
  }
}
