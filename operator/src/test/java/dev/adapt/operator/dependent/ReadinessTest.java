package dev.adapt.operator.dependent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import org.junit.jupiter.api.Test;

class ReadinessTest {

  private static Deployment deployment(
      long generation, Long observed, Integer replicas, Integer updated) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName("p-dispatcher")
        .withGeneration(generation)
        .endMetadata()
        .withNewSpec()
        .withReplicas(1)
        .endSpec()
        .withNewStatus()
        .withObservedGeneration(observed)
        .withReplicas(replicas)
        .withUpdatedReplicas(updated)
        .endStatus()
        .build();
  }

  @Test
  void aDeploymentHasRolledOutWhenNoPodOfAnOlderTemplateIsLeft() {
    assertThat(Readiness.rolledOut(deployment(2, 2L, 1, 1))).isTrue();
    assertThat(Readiness.rolledOut(deployment(2, 2L, 2, 1)))
        .as("the surge pod runs, the old one is still there")
        .isFalse();
    assertThat(Readiness.rolledOut(deployment(3, 2L, 1, 1)))
        .as("the controller has not seen the new template yet")
        .isFalse();
    assertThat(Readiness.rolledOut(deployment(1, null, null, null))).isFalse();
  }
}
