package dev.adapt.operator.convergence;

import dev.adapt.operator.resources.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Objects;

/**
 * What the operator needs to know of a worker pod.
 *
 * @param usable not being deleted and not terminated: it counts towards the pool
 * @param ready usable and its Ready condition is true
 * @param upToDate built from the current pod template
 */
public record WorkerPod(String name, int ordinal, boolean usable, boolean ready, boolean upToDate) {

  public static WorkerPod of(Pod pod, int ordinal, String templateHash) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    boolean usable =
        pod.getMetadata().getDeletionTimestamp() == null
            && !"Failed".equals(phase)
            && !"Succeeded".equals(phase);
    boolean ready =
        usable
            && pod.getStatus() != null
            && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    boolean upToDate =
        Objects.equals(templateHash, pod.getMetadata().getLabels().get(Labels.TEMPLATE_HASH));
    return new WorkerPod(pod.getMetadata().getName(), ordinal, usable, ready, upToDate);
  }
}
