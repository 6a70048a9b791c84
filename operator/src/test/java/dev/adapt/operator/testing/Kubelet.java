package dev.adapt.operator.testing;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Plays the kubelet, which a kube-api-test cluster lacks: moves pods to Running and sets their
 * Ready condition through the status subresource, as a kubelet would after the probes.
 */
public final class Kubelet {

  private Kubelet() {}

  public static boolean isReady(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /**
   * Sets the pod's readiness. A pod the operator deleted since it was listed is left alone, as a
   * kubelet would: its status has nobody to tell.
   */
  public static void setReady(KubernetesClient client, Pod pod, boolean ready) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    String value = ready ? "True" : "False";
    List<PodCondition> conditions =
        List.of(
            condition("PodScheduled", "True", now),
            condition("Initialized", "True", now),
            condition("ContainersReady", value, now),
            condition("Ready", value, now));
    try {
      edit(client, pod, now, conditions);
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
        throw e;
      }
    }
  }

  private static void edit(
      KubernetesClient client, Pod pod, String now, List<PodCondition> conditions) {
    client
        .pods()
        .inNamespace(pod.getMetadata().getNamespace())
        .withName(pod.getMetadata().getName())
        .editStatus(
            current ->
                new PodBuilder(current)
                    .editOrNewStatus()
                    .withPhase("Running")
                    .withPodIP(podIp(pod))
                    .withStartTime(now)
                    .withConditions(conditions)
                    .endStatus()
                    .build());
  }

  /** A stable fake address per pod name. */
  public static String podIp(Pod pod) {
    int hash = pod.getMetadata().getName().hashCode() & 0xffff;
    return "10.244." + (hash >> 8) + "." + (hash & 0xff);
  }

  private static PodCondition condition(String type, String status, String now) {
    return new PodConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withLastTransitionTime(now)
        .build();
  }
}
