package dev.adapt.operator.dependent;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;

/** Whether workloads have all their replicas ready, by their controllers' status. */
public final class Readiness {

  private Readiness() {}

  public static boolean ofStatefulSet(StatefulSet set) {
    int wanted = set.getSpec().getReplicas() == null ? 1 : set.getSpec().getReplicas();
    return set.getStatus() != null
        && set.getStatus().getReadyReplicas() != null
        && set.getStatus().getReadyReplicas() >= wanted;
  }

  public static boolean ofDeployment(Deployment deployment) {
    int wanted =
        deployment.getSpec().getReplicas() == null ? 1 : deployment.getSpec().getReplicas();
    return deployment.getStatus() != null
        && deployment.getStatus().getReadyReplicas() != null
        && deployment.getStatus().getReadyReplicas() >= wanted;
  }
}
