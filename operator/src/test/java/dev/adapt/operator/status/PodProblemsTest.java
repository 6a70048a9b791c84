package dev.adapt.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodProblemsTest {

  static Pod unschedulable(String name, String message) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewStatus()
        .withPhase("Pending")
        .addNewCondition()
        .withType("PodScheduled")
        .withStatus("False")
        .withReason("Unschedulable")
        .withMessage(message)
        .endCondition()
        .endStatus()
        .build();
  }

  static Pod crashLooping(String name) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewStatus()
        .withPhase("Running")
        .addNewContainerStatus()
        .withName("worker")
        .withNewState()
        .withNewWaiting()
        .withReason("CrashLoopBackOff")
        .withMessage("back-off 40s restarting failed container")
        .endWaiting()
        .endState()
        .withNewLastState()
        .withNewTerminated()
        .withReason("OOMKilled")
        .withExitCode(137)
        .endTerminated()
        .endLastState()
        .endContainerStatus()
        .endStatus()
        .build();
  }

  @Test
  void insufficientGpusAreReportedInTheSchedulersWords() {
    Pod pod =
        unschedulable("p-worker-0", "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.");

    assertThat(PodProblems.of(pod))
        .contains(
            "p-worker-0 is unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.");
  }

  @Test
  void crashLoopsNameTheLastExit() {
    assertThat(PodProblems.of(crashLooping("p-worker-1")))
        .contains(
            "p-worker-1 CrashLoopBackOff (last exit: OOMKilled, code 137): back-off 40s"
                + " restarting failed container");
  }

  @Test
  void evictedPodsHaveFailed() {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName("p-worker-2")
            .endMetadata()
            .withNewStatus()
            .withPhase("Failed")
            .withReason("Evicted")
            .withMessage("The node was low on resource: memory.")
            .endStatus()
            .build();

    assertThat(PodProblems.of(pod))
        .contains("p-worker-2 failed: Evicted The node was low on resource: memory.");
  }

  @Test
  void healthyPodsHaveNoProblemAndTheSummaryIsBounded() {
    Pod healthy =
        new PodBuilder()
            .withNewMetadata()
            .withName("ok")
            .endMetadata()
            .withNewStatus()
            .withPhase("Running")
            .endStatus()
            .build();
    assertThat(PodProblems.of(healthy)).isEmpty();
    assertThat(PodProblems.summary(List.of(healthy))).isEmpty();

    List<Pod> many =
        java.util.stream.IntStream.range(0, 7)
            .mapToObj(i -> unschedulable("p-worker-" + i, "no nodes"))
            .toList();
    assertThat(PodProblems.summary(many).orElseThrow()).endsWith("; and 2 more");
  }
}
