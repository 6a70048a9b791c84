package dev.adapt.operator.dependent;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.Objects;

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

  /**
   * Whether every pod of the Deployment runs its current template: none of an older one is left
   * (the test of {@code kubectl rollout status}, without waiting for availability).
   */
  public static boolean rolledOut(Deployment deployment) {
    int wanted =
        deployment.getSpec().getReplicas() == null ? 1 : deployment.getSpec().getReplicas();
    var status = deployment.getStatus();
    return status != null
        && status.getObservedGeneration() != null
        && status.getObservedGeneration() >= deployment.getMetadata().getGeneration()
        && Objects.requireNonNullElse(status.getUpdatedReplicas(), 0) >= wanted
        && Objects.requireNonNullElse(status.getReplicas(), 0)
            <= Objects.requireNonNullElse(status.getUpdatedReplicas(), 0);
  }
}
