package dev.adapt.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.adapt.operator.testing.ControllerManagerProcess;
import dev.adapt.operator.testing.KubeApiTestBinaries;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Proves the test Kubernetes binaries work: a real kube-apiserver and etcd started by kube-api-test
 * without any download, serving core objects and CRDs, with a real kube-controller-manager running
 * the workload controllers.
 */
class KubeApiServerSmokeTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final ResourceDefinitionContext SMOKE =
      new ResourceDefinitionContext.Builder()
          .withGroup("test.adapt.dev")
          .withVersion("v1")
          .withKind("Smoke")
          .withPlural("smokes")
          .withNamespaced(true)
          .build();

  private static KubeAPIServer apiServer;
  private static KubernetesClient client;

  @BeforeAll
  static void startApiServer() {
    // Fails (never skips) with the command to run when the binaries are missing.
    KubeApiTestBinaries.directory();
    apiServer = new KubeAPIServer(KubeApiTestBinaries.offlineConfig().build());
    apiServer.start();
    client =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(apiServer.getKubeConfigYaml()))
            .build();
  }

  @AfterAll
  static void stopApiServer() {
    if (client != null) {
      client.close();
    }
    if (apiServer != null) {
      apiServer.stop();
    }
  }

  @Test
  void reportsTheInstalledRelease() {
    assertThat(client.getKubernetesVersion().getGitVersion())
        .isEqualTo("v" + KubeApiTestBinaries.kubernetesVersion());
  }

  @Test
  void storesNamespacesAndConfigMaps() {
    String namespace = createNamespace("smoke-core");
    client
        .configMaps()
        .inNamespace(namespace)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("settings")
                .endMetadata()
                .withData(Map.of("stages", "3"))
                .build())
        .create();

    ConfigMap read = client.configMaps().inNamespace(namespace).withName("settings").get();

    assertThat(client.namespaces().withName(namespace).get().getStatus().getPhase())
        .isEqualTo("Active");
    assertThat(read.getData()).containsExactly(Map.entry("stages", "3"));
    assertThat(read.getMetadata().getUid()).isNotBlank();
  }

  @Test
  void installsACrdAndServesItsResources() throws Exception {
    CustomResourceDefinition crd;
    try (InputStream yaml = getClass().getResourceAsStream("/smoke-crd.yaml")) {
      crd = client.apiextensions().v1().customResourceDefinitions().load(yaml).item();
    }
    client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    CustomResourceDefinition established =
        client
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withName("smokes.test.adapt.dev")
            .waitUntilCondition(
                KubeApiServerSmokeTest::isEstablished, TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    assertThat(established.getSpec().getNames().getKind()).isEqualTo("Smoke");

    String namespace = createNamespace("smoke-crd");
    // The CRD's REST mapping appears a moment after Established; retry until it serves.
    await()
        .atMost(TIMEOUT)
        .ignoreExceptions()
        .until(
            () ->
                client
                        .genericKubernetesResources(SMOKE)
                        .inNamespace(namespace)
                        .resource(smoke("first", "hello", 2))
                        .create()
                    != null);

    GenericKubernetesResource read =
        client.genericKubernetesResources(SMOKE).inNamespace(namespace).withName("first").get();
    assertThat(read.<String>get("spec", "message")).isEqualTo("hello");
    assertThat(read.<Number>get("spec", "replicas").intValue()).isEqualTo(2);
    // The schema is enforced, so the server really applied the CRD rather than storing anything.
    assertThatThrownBy(
            () ->
                client
                    .genericKubernetesResources(SMOKE)
                    .inNamespace(namespace)
                    .resource(smoke("invalid", "", -1))
                    .create())
        .isInstanceOf(KubernetesClientException.class)
        .extracting(e -> ((KubernetesClientException) e).getCode())
        .isEqualTo(422);
  }

  @Test
  void controllerManagerRunsWorkloadControllersAndGarbageCollection() {
    String namespace = createNamespace("smoke-kcm");
    try (ControllerManagerProcess kcm = ControllerManagerProcess.start(apiServer)) {
      Deployment deployment =
          client
              .apps()
              .deployments()
              .inNamespace(namespace)
              .resource(
                  new DeploymentBuilder()
                      .withNewMetadata()
                      .withName("web")
                      .endMetadata()
                      .withNewSpec()
                      .withReplicas(2)
                      .withNewSelector()
                      .addToMatchLabels("app", "web")
                      .endSelector()
                      .withTemplate(podTemplate("web"))
                      .endSpec()
                      .build())
              .create();

      ReplicaSet replicaSet =
          await("ReplicaSet of the Deployment")
              .atMost(TIMEOUT)
              .until(
                  () ->
                      ownedBy(
                          client.apps().replicaSets().inNamespace(namespace).list().getItems(),
                          deployment),
                  sets -> sets.size() == 1)
              .get(0);
      List<Pod> pods =
          await("Pods of the ReplicaSet")
              .atMost(TIMEOUT)
              .until(
                  () -> ownedBy(client.pods().inNamespace(namespace).list().getItems(), replicaSet),
                  found -> found.size() == 2);
      // No nodes: the scheduler is absent and the pods are never bound.
      assertThat(pods)
          .allSatisfy(pod -> assertThat(pod.getStatus().getPhase()).isEqualTo("Pending"));

      client
          .apps()
          .statefulSets()
          .inNamespace(namespace)
          .resource(
              new StatefulSetBuilder()
                  .withNewMetadata()
                  .withName("store")
                  .endMetadata()
                  .withNewSpec()
                  .withServiceName("store")
                  .withReplicas(1)
                  .withNewSelector()
                  .addToMatchLabels("app", "store")
                  .endSelector()
                  .withTemplate(podTemplate("store"))
                  .endSpec()
                  .build())
          .create();
      await("Pod store-0 of the StatefulSet")
          .atMost(TIMEOUT)
          .until(() -> client.pods().inNamespace(namespace).withName("store-0").get() != null);
      await("default ServiceAccount of the namespace")
          .atMost(TIMEOUT)
          .until(
              () ->
                  client.serviceAccounts().inNamespace(namespace).withName("default").get()
                      != null);

      client
          .apps()
          .deployments()
          .inNamespace(namespace)
          .withName("web")
          .withPropagationPolicy(DeletionPropagation.BACKGROUND)
          .delete();
      await("garbage collection of the ReplicaSet and its Pods")
          .atMost(TIMEOUT)
          .until(
              () ->
                  client.apps().replicaSets().inNamespace(namespace).list().getItems().isEmpty()
                      && ownedBy(client.pods().inNamespace(namespace).list().getItems(), replicaSet)
                          .isEmpty());
      assertThat(kcm.isAlive()).as("kube-controller-manager still running").isTrue();
    }
  }

  private static String createNamespace(String prefix) {
    return client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withGenerateName(prefix + "-")
                .endMetadata()
                .build())
        .create()
        .getMetadata()
        .getName();
  }

  private static GenericKubernetesResource smoke(String name, String message, int replicas) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion("test.adapt.dev/v1")
        .withKind("Smoke")
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withAdditionalProperties(
            Map.<String, Object>of(
                "spec", Map.<String, Object>of("message", message, "replicas", replicas)))
        .build();
  }

  private static PodTemplateSpec podTemplate(String app) {
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .addToLabels("app", app)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName(app)
        .withImage("registry.invalid/" + app + ":never-pulled")
        .endContainer()
        .endSpec()
        .build();
  }

  private static <T extends HasMetadata> List<T> ownedBy(List<T> items, HasMetadata owner) {
    String uid = owner.getMetadata().getUid();
    return items.stream()
        .filter(
            item ->
                item.getMetadata().getOwnerReferences().stream()
                    .map(OwnerReference::getUid)
                    .anyMatch(uid::equals))
        .toList();
  }

  private static boolean isEstablished(CustomResourceDefinition crd) {
    return crd != null
        && crd.getStatus() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
