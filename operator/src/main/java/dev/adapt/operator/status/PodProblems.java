package dev.adapt.operator.status;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Why pods do not run, in the words of the scheduler and the kubelet: unschedulable (for example
 * {@code Insufficient nvidia.com/gpu}), crash loops, image pull failures, evictions.
 */
public final class PodProblems {

  private static final Set<String> WAITING_PROBLEMS =
      Set.of(
          "CrashLoopBackOff",
          "ImagePullBackOff",
          "ErrImagePull",
          "InvalidImageName",
          "CreateContainerConfigError",
          "CreateContainerError",
          "RunContainerError");
  private static final int MAX_MESSAGE = 240;
  private static final int MAX_LISTED = 5;

  private PodProblems() {}

  public static Optional<String> of(Pod pod) {
    String name = pod.getMetadata().getName();
    if (pod.getStatus() == null) {
      return Optional.empty();
    }
    if ("Failed".equals(pod.getStatus().getPhase())) {
      return Optional.of(
          name
              + " failed: "
              + join(pod.getStatus().getReason(), pod.getStatus().getMessage(), "terminated"));
    }
    for (PodCondition condition : pod.getStatus().getConditions()) {
      if ("PodScheduled".equals(condition.getType())
          && "False".equals(condition.getStatus())
          && "Unschedulable".equals(condition.getReason())) {
        return Optional.of(name + " is unschedulable: " + shorten(condition.getMessage()));
      }
    }
    for (ContainerStatus container : pod.getStatus().getContainerStatuses()) {
      var waiting = container.getState() == null ? null : container.getState().getWaiting();
      if (waiting != null && WAITING_PROBLEMS.contains(waiting.getReason())) {
        String problem = name + " " + waiting.getReason();
        var last =
            container.getLastState() == null ? null : container.getLastState().getTerminated();
        if (last != null && last.getReason() != null) {
          problem += " (last exit: " + last.getReason() + ", code " + last.getExitCode() + ")";
        }
        if (waiting.getMessage() != null && !waiting.getMessage().isBlank()) {
          problem += ": " + shorten(waiting.getMessage());
        }
        return Optional.of(problem);
      }
    }
    return Optional.empty();
  }

  /** One sentence about the problems of these pods, or empty when they have none. */
  public static Optional<String> summary(List<Pod> pods) {
    List<String> problems = new ArrayList<>();
    pods.forEach(pod -> of(pod).ifPresent(problems::add));
    if (problems.isEmpty()) {
      return Optional.empty();
    }
    List<String> listed =
        new ArrayList<>(problems.subList(0, Math.min(MAX_LISTED, problems.size())));
    if (problems.size() > MAX_LISTED) {
      listed.add("and " + (problems.size() - MAX_LISTED) + " more");
    }
    return Optional.of(String.join("; ", listed));
  }

  private static String join(String reason, String message, String fallback) {
    if (reason == null && message == null) {
      return fallback;
    }
    return shorten((reason == null ? "" : reason) + (message == null ? "" : " " + message)).trim();
  }

  private static String shorten(String text) {
    if (text == null) {
      return "";
    }
    return text.length() <= MAX_MESSAGE ? text : text.substring(0, MAX_MESSAGE) + "…";
  }
}
