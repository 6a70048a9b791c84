package dev.adapt.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.security.PemCertificates;
import dev.adapt.core.testing.EtcdServer;
import dev.adapt.operator.crd.v1alpha1.EtcdSpec;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.crd.v1alpha1.InferencePipelineSpec;
import dev.adapt.operator.crd.v1alpha1.ModelSpec;
import dev.adapt.operator.crd.v1alpha1.PartitioningSpec;
import dev.adapt.operator.crd.v1alpha1.Phase;
import dev.adapt.operator.resources.Component;
import dev.adapt.operator.resources.Labels;
import dev.adapt.operator.resources.WorkerPods;
import dev.adapt.operator.status.Conditions;
import dev.adapt.operator.testing.ControllerManagerProcess;
import dev.adapt.operator.testing.KubeApiTestBinaries;
import dev.adapt.operator.testing.Kubelet;
import dev.adapt.operator.testing.PipelineDouble;
import dev.adapt.operator.testing.Samples;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.Operator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator against a real kube-apiserver (kube-api-test), a real kube-controller-manager
 * (workload controllers and garbage collection) and a real etcd for the pipelines' membership. The
 * manifests are installed with {@code kubectl apply -k deploy/}, and the operator runs with the
 * rights of the ServiceAccount they define. Tests play the kubelet, the workers and the dispatcher
 * ({@link PipelineDouble}).
 */
class InferencePipelineOperatorTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final String OPERATOR_ACCOUNT =
      "system:serviceaccount:adapt-system:adapt-operator";

  private static KubeAPIServer apiServer;
  private static Path kubeconfig;
  private static KubernetesClient admin;
  private static KubernetesClient operatorClient;
  private static ControllerManagerProcess controllerManager;
  private static EtcdServer etcd;
  private static Operator operator;
  private final List<PipelineDouble> doubles = new ArrayList<>();

  @BeforeAll
  static void startCluster() throws Exception {
    KubeApiTestBinaries.directory();
    apiServer = new KubeAPIServer(KubeApiTestBinaries.offlineConfig().build());
    apiServer.start();
    kubeconfig = Files.createTempFile("adapt-operator-test", ".kubeconfig");
    Files.writeString(kubeconfig, apiServer.getKubeConfigYaml());
    admin =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(apiServer.getKubeConfigYaml()))
            .build();

    String applied = kubectl("apply", "--server-side", "-k", "../deploy");
    assertThat(applied).contains("inferencepipelines.adapt.dev", "deployment.apps/adapt-operator");
    admin
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName(InferencePipeline.CRD_NAME)
        .waitUntilCondition(
            crd ->
                crd != null
                    && crd.getStatus() != null
                    && crd.getStatus().getConditions().stream()
                        .anyMatch(
                            c -> "Established".equals(c.getType()) && "True".equals(c.getStatus())),
            TIMEOUT.toSeconds(),
            TimeUnit.SECONDS);

    controllerManager = ControllerManagerProcess.start(apiServer);
    etcd = EtcdServer.start();

    // The operator acts as its ServiceAccount: the RBAC rules of deploy/ are what it gets.
    Config config = Config.fromKubeconfig(apiServer.getKubeConfigYaml());
    config.setImpersonateUsername(OPERATOR_ACCOUNT);
    config.setImpersonateGroups(
        "system:serviceaccounts", "system:serviceaccounts:adapt-system", "system:authenticated");
    operatorClient = new KubernetesClientBuilder().withConfig(config).build();
    OperatorConfig operatorConfig =
        OperatorConfig.defaults()
            .withWorkerGpuImage("")
            .withEtcdEndpoints(pipeline -> List.of(etcd.endpoint()))
            .withOperatorNamespace("adapt-system");
    operator = new Operator(o -> o.withKubernetesClient(operatorClient));
    operator.register(new InferencePipelineReconciler(operatorConfig));
    operator.start();
  }

  @AfterAll
  static void stopCluster() throws IOException {
    if (operator != null) {
      operator.stop();
    }
    if (operatorClient != null) {
      operatorClient.close();
    }
    if (controllerManager != null) {
      controllerManager.close();
    }
    if (etcd != null) {
      etcd.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (apiServer != null) {
      apiServer.stop();
    }
    if (kubeconfig != null) {
      Files.deleteIfExists(kubeconfig);
    }
  }

  @AfterEach
  void stopDoubles() {
    doubles.forEach(PipelineDouble::close);
  }

  @Test
  void kubectlApplyKInstallsTheOperatorWithLeastPrivilege() {
    assertThat(
            admin.apps().deployments().inNamespace("adapt-system").withName("adapt-operator").get())
        .isNotNull();
    var role = admin.rbac().clusterRoles().withName("adapt-operator").get();
    assertThat(role.getRules())
        .allSatisfy(rule -> assertThat(rule.getVerbs()).doesNotContain("*"))
        .allSatisfy(rule -> assertThat(rule.getResources()).doesNotContain("*"));
    assertThat(role.getRules())
        .flatExtracting(rule -> rule.getResources())
        .as("what the operator manages, and nothing else")
        .containsExactlyInAnyOrder(
            "inferencepipelines",
            "inferencepipelines/status",
            "inferencepipelines/finalizers",
            "pods",
            "services",
            "deployments",
            "statefulsets",
            "networkpolicies",
            "secrets",
            "events");
    assertThatThrownBy(() -> operatorClient.configMaps().inNamespace("adapt-system").list())
        .as("the operator cannot read what it does not manage")
        .isInstanceOf(KubernetesClientException.class)
        .extracting(e -> ((KubernetesClientException) e).getCode())
        .isEqualTo(403);
  }

  @Test
  void theServiceAccountHoldsAndRenewsTheLeaderElectionLease() throws Exception {
    // As the operator's leader election does (OperatorMain): a Lease in adapt-system, renewed
    // every retry period; a renewal the Role forbids makes the operator exit.
    List<ZonedDateTime> renewals = new CopyOnWriteArrayList<>();
    var elector =
        operatorClient
            .leaderElector()
            .withConfig(
                new io.fabric8.kubernetes.client.extended.leaderelection
                        .LeaderElectionConfigBuilder()
                    .withName("adapt-operator")
                    .withLock(new LeaseLock("adapt-system", "adapt-operator", "lease-test"))
                    .withLeaseDuration(Duration.ofSeconds(6))
                    .withRenewDeadline(Duration.ofSeconds(4))
                    .withRetryPeriod(Duration.ofMillis(300))
                    .withReleaseOnCancel()
                    .withLeaderCallbacks(new LeaderCallbacks(() -> {}, () -> {}, leader -> {}))
                    .build())
            .build();
    var running = elector.start();
    try {
      await("three renewals of the lease by the operator's ServiceAccount")
          .atMost(TIMEOUT)
          .until(
              () -> {
                var lease =
                    admin.leases().inNamespace("adapt-system").withName("adapt-operator").get();
                if (lease != null
                    && "lease-test".equals(lease.getSpec().getHolderIdentity())
                    && lease.getSpec().getRenewTime() != null
                    && !renewals.contains(lease.getSpec().getRenewTime())) {
                  renewals.add(lease.getSpec().getRenewTime());
                }
                return renewals.size() >= 3;
              });
    } finally {
      running.cancel(true);
    }
  }

  @Test
  void theCrdRejectsInvalidSpecs() {
    String namespace = namespace("cel");
    Map<String, String> invalid = new TreeMap<>();
    invalid.put(
        "splitAt: [conv4_block6_out]\n    stages: 2",
        "set exactly one of partitioning.splitAt and partitioning.stages");
    invalid.put("stages: 0", "should be greater than or equal to 1");
    for (var entry : invalid.entrySet()) {
      String yaml =
          "apiVersion: adapt.dev/v1alpha1\nkind: InferencePipeline\nmetadata:\n  name: bad\nspec:\n"
              + "  model:\n    uri: builtin:resnet50\n  partitioning:\n    "
              + entry.getKey()
              + "\n";
      assertRejected(namespace, yaml, entry.getValue());
    }
    assertRejected(
        namespace,
        Samples.yaml(Samples.BALANCED).replace("builtin:resnet50", "s3://bucket/model"),
        "uri must be builtin:<name>, pvc://<claim>/<path>");
    assertRejected(
        namespace,
        Samples.yaml(Samples.BALANCED)
            .replace(
                "  standbyWorkers: 1",
                "  standbyWorkers: 1\n  etcd:\n    managed: {}\n    external:\n      endpoints: [http://etcd:2379]"),
        "set at most one of etcd.managed and etcd.external");
    assertRejected(
        namespace,
        Samples.yaml(Samples.BALANCED).replace("name: resnet50", "name: 9-lives"),
        "metadata.name must start with a letter");
  }

  @Test
  void eachSampleCreatesItsObjectsOwnedAndLabelled() {
    for (String sample : List.of(Samples.BALANCED, Samples.SPLIT_POINTS, Samples.GPU)) {
      String namespace = namespace("sample");
      InferencePipeline pipeline = create(namespace, Samples.load(sample, namespace));
      String name = pipeline.getMetadata().getName();
      int workers =
          switch (sample) {
            case Samples.BALANCED -> 5;
            case Samples.SPLIT_POINTS -> 16;
            default -> 2;
          };

      List<Pod> pods =
          await("worker pods of " + sample)
              .atMost(TIMEOUT)
              .until(() -> workerPods(namespace, name), found -> found.size() == workers);
      StatefulSet etcdSet =
          await()
              .atMost(TIMEOUT)
              .until(
                  () ->
                      admin
                          .apps()
                          .statefulSets()
                          .inNamespace(namespace)
                          .withName(name + "-etcd")
                          .get(),
                  s -> s != null);
      Deployment dispatcher =
          admin.apps().deployments().inNamespace(namespace).withName(name + "-dispatcher").get();
      List<HasMetadata> owned = new ArrayList<>(pods);
      owned.add(etcdSet);
      owned.add(dispatcher);
      owned.add(admin.services().inNamespace(namespace).withName(name + "-dispatcher").get());
      owned.add(admin.services().inNamespace(namespace).withName(name + "-etcd").get());
      owned.add(admin.services().inNamespace(namespace).withName(name + "-etcd-peers").get());
      String uid = get(namespace, name).getMetadata().getUid();
      for (HasMetadata object : owned) {
        String what = object.getKind() + " " + object.getMetadata().getName();
        assertThat(object.getMetadata().getOwnerReferences())
            .as("owner of %s", what)
            .extracting(ref -> ref.getKind() + "/" + ref.getName() + "/" + ref.getUid())
            .containsExactly("InferencePipeline/" + name + "/" + uid);
        assertThat(object.getMetadata().getLabels())
            .as("labels of %s", what)
            .containsEntry(Labels.INSTANCE, name)
            .containsEntry(Labels.MANAGED_BY, Labels.MANAGER)
            .containsEntry(Labels.PART_OF, "adapt")
            .containsKeys(Labels.NAME, Labels.COMPONENT);
      }
      Quantity gpus =
          pods.get(0)
              .getSpec()
              .getContainers()
              .get(0)
              .getResources()
              .getLimits()
              .get(WorkerPods.GPU_RESOURCE);
      if (sample.equals(Samples.GPU)) {
        assertThat(gpus).isEqualTo(new Quantity("1"));
        assertThat(pods.get(0).getSpec().getContainers().get(0).getImage()).endsWith("-gpu");
      } else {
        assertThat(gpus).isNull();
      }
    }
  }

  @Test
  void aSecuredSampleMountsItsClientApiSecretsAndIsProbedOverHttps() {
    String namespace = namespace("secured");
    create(namespace, Samples.load(Samples.SECURED, namespace));

    Deployment deployment =
        await("dispatcher Deployment of the secured sample")
            .atMost(TIMEOUT)
            .until(() -> dispatcherDeployment(namespace, "resnet50-secured"), d -> d != null);

    var podSpec = deployment.getSpec().getTemplate().getSpec();
    var container = podSpec.getContainers().get(0);
    assertThat(podSpec.getVolumes())
        .filteredOn(v -> v.getSecret() != null)
        .extracting(v -> v.getName() + ":" + v.getSecret().getSecretName())
        .contains("client-tls:resnet50-client-tls", "client-auth:resnet50-client-tokens");
    assertThat(podSpec.getVolumes())
        .filteredOn(v -> "client-auth".equals(v.getName()))
        .singleElement()
        .satisfies(
            v ->
                assertThat(v.getSecret().getItems())
                    .extracting(i -> i.getKey() + ">" + i.getPath())
                    .containsExactly("tokens>tokens"));
    assertThat(container.getVolumeMounts())
        .filteredOn(m -> m.getName().startsWith("client-"))
        .allSatisfy(m -> assertThat(m.getReadOnly()).isTrue())
        .extracting(m -> m.getMountPath())
        .containsExactlyInAnyOrder("/etc/adapt/client-tls", "/etc/adapt/client-auth");
    assertThat(container.getArgs())
        .contains(
            "--client-tls-cert=/etc/adapt/client-tls/tls.crt",
            "--client-tls-key=/etc/adapt/client-tls/tls.key",
            "--client-auth-tokens=/etc/adapt/client-auth/tokens");
    assertThat(
            List.of(
                container.getStartupProbe(),
                container.getReadinessProbe(),
                container.getLivenessProbe()))
        .allSatisfy(p -> assertThat(p.getHttpGet().getScheme()).isEqualTo("HTTPS"));
  }

  @Test
  void aPipelineBecomesReadyAndKubectlShowsIt() throws Exception {
    String namespace = namespace("ready");
    InferencePipeline pipeline = create(namespace, Samples.load(Samples.BALANCED, namespace));
    PipelineDouble pods = playPods(namespace, "resnet50");

    InferencePipeline ready = awaitPhase(namespace, "resnet50", Phase.Ready, pods);

    assertThat(ready.getStatus().getStageCount()).isEqualTo(4);
    assertThat(ready.getStatus().getSplitPoints()).hasSize(3);
    assertThat(ready.getStatus().getReadyWorkers()).isEqualTo("5/5");
    assertThat(ready.getStatus().getStandbyReady()).isEqualTo(1);
    assertThat(ready.getStatus().getStages())
        .allSatisfy(s -> assertThat(s.getReadyReplicas()).isEqualTo(1));
    assertThat(ready.getStatus().getObservedGeneration())
        .isEqualTo(pipeline.getMetadata().getGeneration());
    assertThat(condition(ready, Conditions.READY).getStatus()).isEqualTo("True");

    String table = kubectl("get", "inferencepipelines", "-n", namespace);
    String[] lines = table.strip().split("\n");
    assertThat(lines[0].split("\\s+"))
        .containsExactly("NAME", "PHASE", "STAGES", "READY", "ENDPOINT", "AGE");
    assertThat(lines[1].split("\\s+"))
        .startsWith(
            "resnet50",
            "Ready",
            "4",
            "5/5",
            "http://resnet50-dispatcher." + namespace + ".svc:8000");
    assertThat(kubectl("get", "ipl", "-n", namespace, "-o", "name"))
        .isEqualTo("inferencepipeline.adapt.dev/resnet50\n");
  }

  @Test
  void aDeletedWorkerPodsStageGoesToTheStandbyAndAReplacementJoins() {
    String namespace = namespace("failover");
    create(namespace, small(namespace, "fo", 2, 1, 1));
    PipelineDouble pods = playPods(namespace, "fo");
    awaitPhase(namespace, "fo", Phase.Ready, pods);
    MembershipSnapshot before = pods.snapshot();
    String standby = only(before, Assignment::isStandby);
    String victim = only(before, a -> a.stage() == 1);

    admin.pods().inNamespace(namespace).withName(victim).delete();

    MembershipSnapshot after =
        await("stage 1 reassigned to the standby in etcd")
            .atMost(TIMEOUT)
            .until(
                pods::snapshot,
                s ->
                    s.assignment(standby).map(a -> a.stage() == 1).orElse(false)
                        && s.assignment(victim).isEmpty());
    assertThat(after.assignment(standby).orElseThrow().planGeneration()).isEqualTo(1);
    List<String> replacements =
        await("a replacement pod under a new name")
            .atMost(TIMEOUT)
            .until(
                () -> names(workerPods(namespace, "fo")),
                names -> names.size() == 3 && !names.contains(victim));
    pods.stopWorker(victim);

    InferencePipeline ready = awaitPhase(namespace, "fo", Phase.Ready, pods);
    String newcomer =
        replacements.stream()
            .filter(n -> !before.assignments().containsKey(n))
            .findFirst()
            .orElseThrow();
    assertThat(pods.snapshot().assignment(newcomer)).map(Assignment::isStandby).contains(true);
    assertThat(ready.getStatus().getStages().get(1).getPods()).containsExactly(standby);

    // A worker whose pod stops being ready loses its stage to the standby; its pod stays.
    String stage0 = only(pods.snapshot(), a -> a.stage() == 0);
    Kubelet.setReady(admin, admin.pods().inNamespace(namespace).withName(stage0).get(), false);
    await("stage 0 moves to the standby when its pod is not ready")
        .atMost(TIMEOUT)
        .until(
            pods::snapshot,
            s ->
                s.assignment(newcomer).map(a -> a.stage() == 0).orElse(false)
                    && s.assignment(stage0).isEmpty());
    assertThat(names(workerPods(namespace, "fo"))).contains(stage0).hasSize(3);
  }

  @Test
  void scalingUpAndDownConverges() {
    String namespace = namespace("scale");
    create(namespace, small(namespace, "sc", 2, 1, 0));
    PipelineDouble pods = playPods(namespace, "sc");
    awaitPhase(namespace, "sc", Phase.Ready, pods);

    edit(namespace, "sc", p -> p.getSpec().setReplicasPerStage(3));
    InferencePipeline up = awaitPhase(namespace, "sc", Phase.Ready, pods);
    assertThat(up.getStatus().getReadyWorkers()).isEqualTo("6/6");
    assertThat(workerPods(namespace, "sc")).hasSize(6);
    assertThat(pods.snapshot().assignments().values().stream().filter(a -> a.stage() == 1))
        .hasSize(3);

    edit(namespace, "sc", p -> p.getSpec().setReplicasPerStage(1));
    await("scale down to two pods")
        .atMost(TIMEOUT)
        .until(
            () ->
                workerPods(namespace, "sc").stream()
                        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                        .count()
                    == 2);
    InferencePipeline down = awaitPhase(namespace, "sc", Phase.Ready, pods);
    assertThat(down.getStatus().getReadyWorkers()).isEqualTo("2/2");
    assertThat(pods.snapshot().assignments()).hasSize(2);
  }

  @Test
  void newSplitPointsRollOutWithoutDroppingThePipeline() {
    String namespace = namespace("roll");
    create(namespace, small(namespace, "rl", 2, 1, 0));
    PipelineDouble pods = playPods(namespace, "rl");
    awaitPhase(namespace, "rl", Phase.Ready, pods);
    Deployment dispatcher = dispatcherDeployment(namespace, "rl");

    splitAt(namespace, "rl", "block4_out", "block12_out");

    assertThat(awaitRollout(namespace, "rl", pods, 2, Map.of(1L, 2, 2L, 3))).contains(1L, 2L);
    InferencePipeline done = get(namespace, "rl");
    assertThat(done.getStatus().getStageCount()).isEqualTo(3);
    assertThat(done.getStatus().getSplitPoints()).containsExactly("block4_out", "block12_out");
    assertThat(workerPods(namespace, "rl")).as("surge pods are gone").hasSize(3);
    assertThat(dispatcherDeployment(namespace, "rl").getMetadata().getGeneration())
        .as("the dispatcher re-plans in place: its Deployment is not rolled")
        .isEqualTo(dispatcher.getMetadata().getGeneration());
  }

  @Test
  void aSecondChangeWhileAPlanLoadsLeavesThePlanInServiceToItsWorkers() {
    String namespace = namespace("reroll");
    create(namespace, small(namespace, "rr", 2, 1, 0));
    PipelineDouble pods = playPods(namespace, "rr");
    awaitPhase(namespace, "rr", Phase.Ready, pods);
    pods.holdBack(2);

    splitAt(namespace, "rr", "block4_out", "block12_out");
    InferencePipeline loading =
        await("plan generation 2 published and loading")
            .atMost(TIMEOUT)
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> {
                  pods.step();
                  return get(namespace, "rr");
                },
                p ->
                    p.getStatus().getRollout() != null
                        && Long.valueOf(2).equals(p.getStatus().getRollout().getPlanGeneration()));
    assertThat(loading.getStatus().getPlanGeneration())
        .as("a published plan is not in service")
        .isEqualTo(1L);

    splitAt(namespace, "rr", "block8_out");

    assertThat(awaitRollout(namespace, "rr", pods, 3, Map.of(1L, 2, 2L, 3, 3L, 2)))
        .as("plan generation 2 was overtaken while it loaded and never served")
        .contains(1L, 3L)
        .doesNotContain(2L);
    InferencePipeline done = get(namespace, "rr");
    assertThat(done.getStatus().getSplitPoints()).containsExactly("block8_out");
    assertThat(done.getStatus().getRollout()).isNull();
  }

  private static void splitAt(String namespace, String name, String... points) {
    edit(
        namespace,
        name,
        p -> p.getSpec().setPartitioning(PartitioningSpec.splitAt(List.of(points))));
  }

  /**
   * Plays the pods until the pipeline is Ready on plan generation {@code generation}, checking at
   * every step that some plan generation is fully served; returns the generations seen served.
   */
  private static Set<Long> awaitRollout(
      String namespace,
      String name,
      PipelineDouble pods,
      long generation,
      Map<Long, Integer> stageCounts) {
    Set<Long> generationsSeen = new HashSet<>();
    await("every worker on plan generation " + generation + ", never without a complete pipeline")
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              pods.step();
              MembershipSnapshot s = pods.snapshot();
              Set<Long> served = servedGenerations(s, stageCounts);
              assertThat(served)
                  .as("some plan generation is fully served at every moment: %s", s)
                  .isNotEmpty();
              generationsSeen.addAll(served);
              InferencePipeline current = get(namespace, name);
              return current.getStatus() != null
                  && current.getStatus().getPhase() == Phase.Ready
                  && Long.valueOf(generation).equals(current.getStatus().getPlanGeneration());
            });
    assertThat(pods.snapshot().assignments().values())
        .allSatisfy(a -> assertThat(a.planGeneration()).isEqualTo(generation));
    return generationsSeen;
  }

  private static Deployment dispatcherDeployment(String namespace, String name) {
    return admin.apps().deployments().inNamespace(namespace).withName(name + "-dispatcher").get();
  }

  @Test
  void anUnknownSplitPointIsAnInvalidSpecThatListsTheValidOnes() {
    String namespace = namespace("badsplit");
    InferencePipeline pipeline = small(namespace, "bs", 2, 1, 0);
    pipeline.getSpec().setPartitioning(PartitioningSpec.splitAt(List.of("conv9_block9_out")));
    create(namespace, pipeline);
    PipelineDouble pods = playPods(namespace, "bs");

    InferencePipeline failed = awaitPhase(namespace, "bs", Phase.Failed, pods);

    Condition invalid = condition(failed, Conditions.INVALID_SPEC);
    assertThat(invalid.getStatus()).isEqualTo("True");
    assertThat(invalid.getMessage())
        .contains("unknown split points [conv9_block9_out]")
        .contains("Valid split points: block1_out, block2_out");
    assertThat(warningEvents(namespace, "bs", Conditions.INVALID_SPEC))
        .anySatisfy(e -> assertThat(e).contains("conv9_block9_out"));
  }

  @Test
  void aModelTheDispatcherCannotLoadIsReportedWhileThePlanInServiceStays() {
    String namespace = namespace("loadfail");
    create(namespace, small(namespace, "lf", 2, 1, 0));
    PipelineDouble pods = playPods(namespace, "lf");
    awaitPhase(namespace, "lf", Phase.Ready, pods);
    String missing = "/models/missing";
    pods.cannotLoad(missing, "no SavedModel at " + missing);

    edit(namespace, "lf", p -> p.getSpec().getModel().setUri(missing));

    InferencePipeline failed = awaitPhase(namespace, "lf", Phase.Degraded, pods);
    Condition degraded = condition(failed, Conditions.DEGRADED);
    assertThat(degraded.getReason()).isEqualTo("ModelLoadFailed");
    assertThat(degraded.getMessage())
        .contains(
            "dispatcher lf-dispatcher-0 cannot load model /models/missing for plan generation 2:"
                + " no SavedModel at /models/missing; plan generation 1 keeps serving");
    assertThat(condition(failed, Conditions.PROGRESSING).getReason()).isEqualTo("ModelLoadFailed");
    assertThat(failed.getStatus().getPlanGeneration()).isEqualTo(1L);
    assertThat(failed.getStatus().getRollout().getWantedGeneration()).isEqualTo(2L);
    assertThat(pods.snapshot().assignments().values())
        .as("the workers of the plan in service keep their stages")
        .allSatisfy(a -> assertThat(a.planGeneration()).isEqualTo(1));
    await("a Warning event names the failure")
        .atMost(TIMEOUT)
        .until(() -> warningEvents(namespace, "lf", "ModelLoadFailed"), e -> !e.isEmpty());

    edit(namespace, "lf", p -> p.getSpec().getModel().setUri("builtin:resnet50"));

    InferencePipeline fixed = awaitPhase(namespace, "lf", Phase.Ready, pods);
    assertThat(fixed.getStatus().getPlanGeneration()).isEqualTo(3L);
    assertThat(fixed.getStatus().getRollout()).isNull();
    assertThat(condition(fixed, Conditions.DEGRADED).getStatus()).isEqualTo("False");
  }

  @Test
  void gpusWithoutAGpuImageAreAnInvalidSpecAndNothingIsDeployed() {
    String namespace = namespace("nogpu");
    InferencePipeline pipeline = Samples.load(Samples.GPU, namespace);
    pipeline.getSpec().getWorker().setGpuImage(null);
    create(namespace, pipeline);

    InferencePipeline failed = awaitPhase(namespace, "resnet50-gpu", Phase.Failed, null);

    assertThat(condition(failed, Conditions.INVALID_SPEC).getMessage())
        .contains("no GPU worker image: set spec.worker.gpuImage");
    await()
        .atMost(TIMEOUT)
        .until(() -> !warningEvents(namespace, "resnet50-gpu", Conditions.INVALID_SPEC).isEmpty());
    assertThat(workerPods(namespace, "resnet50-gpu")).isEmpty();
    assertThat(admin.apps().deployments().inNamespace(namespace).list().getItems()).isEmpty();
  }

  @Test
  void networkPoliciesAdmitOnlyThePipelinesOwnPeersAndGoWhenTurnedOff() {
    String namespace = namespace("netpol");
    InferencePipeline created = create(namespace, small(namespace, "fenced", 2, 1, 0));
    String uid = created.getMetadata().getUid();

    List<NetworkPolicy> policies =
        await("the pipeline's NetworkPolicies")
            .atMost(TIMEOUT)
            .until(() -> networkPolicies(namespace), found -> found.size() == 3);

    Map<String, NetworkPolicy> byName = new HashMap<>();
    policies.forEach(p -> byName.put(p.getMetadata().getName(), p));
    assertThat(byName).containsOnlyKeys("fenced-workers", "fenced-dispatcher", "fenced-etcd");
    for (NetworkPolicy policy : policies) {
      assertThat(policy.getMetadata().getOwnerReferences())
          .extracting(ref -> ref.getKind() + "/" + ref.getUid())
          .containsExactly("InferencePipeline/" + uid);
      assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
      assertThat(policy.getSpec().getIngress()).hasSize(1);
      assertThat(policy.getSpec().getPodSelector().getMatchLabels())
          .containsEntry(Labels.INSTANCE, "fenced");
    }

    NetworkPolicy workers = byName.get("fenced-workers");
    assertThat(workers.getSpec().getPodSelector().getMatchLabels())
        .containsEntry(Labels.COMPONENT, "worker");
    assertThat(workers.getSpec().getIngress().get(0).getPorts()).isEmpty();
    assertThat(workers.getSpec().getIngress().get(0).getFrom())
        .extracting(peer -> peer.getPodSelector().getMatchLabels())
        .containsExactlyInAnyOrder(
            Labels.selector(created, Component.DISPATCHER),
            Labels.selector(created, Component.WORKER));
    assertThat(workers.getSpec().getIngress().get(0).getFrom())
        .allSatisfy(peer -> assertThat(peer.getNamespaceSelector()).isNull());

    NetworkPolicy etcdPolicy = byName.get("fenced-etcd");
    assertThat(etcdPolicy.getSpec().getPodSelector().getMatchLabels())
        .containsEntry(Labels.COMPONENT, "etcd");
    var etcdFrom = etcdPolicy.getSpec().getIngress().get(0).getFrom();
    assertThat(etcdFrom).hasSize(2);
    assertThat(etcdFrom.get(0).getPodSelector().getMatchLabels())
        .containsOnly(Map.entry(Labels.INSTANCE, "fenced"), Map.entry(Labels.PART_OF, "adapt"));
    assertThat(etcdFrom.get(1).getPodSelector()).isNull();
    assertThat(etcdFrom.get(1).getNamespaceSelector().getMatchLabels())
        .containsOnly(Map.entry("kubernetes.io/metadata.name", "adapt-system"));

    NetworkPolicy dispatcherPolicy = byName.get("fenced-dispatcher");
    var dispatcherRule = dispatcherPolicy.getSpec().getIngress().get(0);
    assertThat(dispatcherRule.getFrom()).as("from anywhere").isEmpty();
    assertThat(dispatcherRule.getPorts())
        .extracting(port -> port.getProtocol() + "/" + port.getPort().getIntVal())
        .containsExactlyInAnyOrder("TCP/8000", "TCP/8001");

    edit(namespace, "fenced", p -> p.getSpec().getSecurity().setNetworkPolicy(false));

    await("the NetworkPolicies are removed when turned off")
        .atMost(TIMEOUT)
        .until(() -> networkPolicies(namespace), List::isEmpty);
  }

  @Test
  void mutualTlsGivesEachPipelineItsOwnCaAndKeepsItsCertificatesUntilTheyAreDue() {
    String namespace = namespace("mtls");
    InferencePipeline created = create(namespace, small(namespace, "sealed", 2, 1, 0));
    String uid = created.getMetadata().getUid();
    List<String> names =
        List.of(
            "sealed-ca",
            "sealed-dispatcher-peer-tls",
            "sealed-worker-peer-tls",
            "sealed-etcd-peer-tls");

    Map<String, Secret> secrets =
        await("the pipeline's CA and certificates")
            .atMost(TIMEOUT)
            .until(() -> peerTlsSecrets(namespace), found -> found.keySet().containsAll(names));
    assertThat(secrets).containsOnlyKeys(names);
    for (Secret secret : secrets.values()) {
      assertThat(secret.getMetadata().getOwnerReferences())
          .extracting(ref -> ref.getKind() + "/" + ref.getUid())
          .containsExactly("InferencePipeline/" + uid);
    }
    X509Certificate ca =
        PemCertificates.parseCertificate(decoded(secrets.get("sealed-ca"), "ca.crt"));
    for (String name : names.subList(1, names.size())) {
      X509Certificate certificate =
          PemCertificates.parseCertificate(decoded(secrets.get(name), "tls.crt"));
      assertThat(PemCertificates.issuedBy(certificate, ca)).as(name).isTrue();
    }
    assertThat(
            await("worker pods")
                .atMost(TIMEOUT)
                .until(() -> workerPods(namespace, "sealed"), pods -> pods.size() == 2))
        .allSatisfy(
            pod ->
                assertThat(pod.getSpec().getVolumes())
                    .filteredOn(v -> v.getSecret() != null)
                    .extracting(v -> v.getSecret().getSecretName())
                    .containsExactly("sealed-worker-peer-tls"));

    // Reconciliations that change other things leave sound certificates as they are.
    edit(namespace, "sealed", p -> p.getSpec().setStandbyWorkers(1));
    await("a standby pod")
        .atMost(TIMEOUT)
        .until(() -> workerPods(namespace, "sealed"), pods -> pods.size() == 3);
    assertThat(peerTlsSecrets(namespace))
        .allSatisfy(
            (name, secret) ->
                assertThat(secret.getMetadata().getResourceVersion())
                    .as(name)
                    .isEqualTo(secrets.get(name).getMetadata().getResourceVersion()));

    // A lost certificate is issued again by the same CA.
    admin.secrets().inNamespace(namespace).withName("sealed-worker-peer-tls").delete();
    Secret reissued =
        await("the worker certificate issued again")
            .atMost(TIMEOUT)
            .until(
                () -> peerTlsSecrets(namespace).get("sealed-worker-peer-tls"),
                secret ->
                    secret != null
                        && !secret
                            .getMetadata()
                            .getUid()
                            .equals(secrets.get("sealed-worker-peer-tls").getMetadata().getUid()));
    assertThat(
            PemCertificates.issuedBy(
                PemCertificates.parseCertificate(decoded(reissued, "tls.crt")), ca))
        .isTrue();
    assertThat(peerTlsSecrets(namespace).get("sealed-ca").getMetadata().getResourceVersion())
        .isEqualTo(secrets.get("sealed-ca").getMetadata().getResourceVersion());

    edit(namespace, "sealed", p -> p.getSpec().getSecurity().setMutualTls(false));
    await("the certificates are removed when mutual TLS is turned off")
        .atMost(TIMEOUT)
        .until(() -> peerTlsSecrets(namespace), Map::isEmpty);
  }

  private static Map<String, Secret> peerTlsSecrets(String namespace) {
    Map<String, Secret> byName = new HashMap<>();
    admin
        .secrets()
        .inNamespace(namespace)
        .withLabel(Labels.COMPONENT, "peer-tls")
        .list()
        .getItems()
        .forEach(secret -> byName.put(secret.getMetadata().getName(), secret));
    return byName;
  }

  private static String decoded(Secret secret, String key) {
    return new String(
        java.util.Base64.getDecoder().decode(secret.getData().get(key)),
        java.nio.charset.StandardCharsets.US_ASCII);
  }

  private static List<NetworkPolicy> networkPolicies(String namespace) {
    return admin.network().v1().networkPolicies().inNamespace(namespace).list().getItems();
  }

  @Test
  void deletingAPipelineRemovesItsObjectsAndItsEtcdKeys() {
    String namespace = namespace("delete");
    InferencePipeline pipeline = small(namespace, "gone", 2, 1, 0);
    pipeline.getSpec().setEtcd(EtcdSpec.external(List.of(etcd.endpoint())));
    create(namespace, pipeline);
    PipelineDouble pods = playPods(namespace, "gone");
    awaitPhase(namespace, "gone", Phase.Ready, pods);
    assertThat(admin.apps().statefulSets().inNamespace(namespace).list().getItems())
        .as("no managed etcd with an external one")
        .isEmpty();

    admin.resources(InferencePipeline.class).inNamespace(namespace).withName("gone").delete();

    await("the garbage collector removes what the pipeline owned")
        .atMost(TIMEOUT)
        .until(
            () ->
                get(namespace, "gone") == null
                    && workerPods(namespace, "gone").isEmpty()
                    && admin.apps().deployments().inNamespace(namespace).list().getItems().isEmpty()
                    && admin.services().inNamespace(namespace).list().getItems().isEmpty());
    pods.close();
    doubles.remove(pods);
    PipelineDouble observer = playPods(namespace, "gone");
    await("the pipeline's etcd keys are deleted")
        .atMost(TIMEOUT)
        .until(
            () -> {
              MembershipSnapshot s = observer.snapshot();
              return s.synced()
                  && s.spec().isEmpty()
                  && s.plan().isEmpty()
                  && s.assignments().isEmpty();
            });
  }

  @Test
  void podProblemsShowInTheDegradedCondition() {
    String namespace = namespace("gpu");
    create(namespace, Samples.load(Samples.GPU, namespace));
    List<Pod> pods =
        await("GPU worker pods")
            .atMost(TIMEOUT)
            .until(() -> workerPods(namespace, "resnet50-gpu"), found -> found.size() == 2);
    String unschedulable = pods.get(0).getMetadata().getName();
    String crashing = pods.get(1).getMetadata().getName();

    admin
        .pods()
        .inNamespace(namespace)
        .withName(unschedulable)
        .editStatus(
            pod ->
                new PodBuilder(pod)
                    .editOrNewStatus()
                    .addNewCondition()
                    .withType("PodScheduled")
                    .withStatus("False")
                    .withReason("Unschedulable")
                    .withMessage("0/3 nodes are available: 3 Insufficient nvidia.com/gpu.")
                    .endCondition()
                    .endStatus()
                    .build());
    admin
        .pods()
        .inNamespace(namespace)
        .withName(crashing)
        .editStatus(
            pod ->
                new PodBuilder(pod)
                    .editOrNewStatus()
                    .withPhase("Running")
                    .addNewContainerStatus()
                    .withName("worker")
                    .withReady(false)
                    .withRestartCount(4)
                    .withNewState()
                    .withNewWaiting()
                    .withReason("CrashLoopBackOff")
                    .withMessage("back-off 1m20s restarting failed container")
                    .endWaiting()
                    .endState()
                    .endContainerStatus()
                    .endStatus()
                    .build());

    awaitPhase(namespace, "resnet50-gpu", Phase.Degraded, null);
    // The two pod edits are separate events: a reconciliation may see the first alone.
    await("both pod problems in the Degraded condition")
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(300))
        .untilAsserted(
            () -> {
              Condition condition = condition(get(namespace, "resnet50-gpu"), Conditions.DEGRADED);
              assertThat(condition.getReason()).isEqualTo("PodProblems");
              assertThat(condition.getMessage())
                  .contains(
                      unschedulable
                          + " is unschedulable: 0/3 nodes are available: 3 Insufficient"
                          + " nvidia.com/gpu.")
                  .contains(crashing + " CrashLoopBackOff");
            });
  }

  @Test
  void aNewWorkerImageReplacesPodsWithoutAStageGoingDark() {
    String namespace = namespace("image");
    create(namespace, small(namespace, "img", 2, 1, 1));
    PipelineDouble pods = playPods(namespace, "img");
    awaitPhase(namespace, "img", Phase.Ready, pods);
    List<String> before = names(workerPods(namespace, "img"));
    String image = "registry.example/adapt-worker:2";

    edit(namespace, "img", p -> p.getSpec().getWorker().setImage(image));

    await("every worker pod runs the new image")
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              pods.step();
              assertThat(servedGenerations(pods.snapshot(), Map.of(1L, 2)))
                  .as("every stage keeps a worker holding its slice")
                  .contains(1L);
              List<Pod> current = workerPods(namespace, "img");
              return current.size() == 3
                  && current.stream()
                      .allMatch(p -> image.equals(p.getSpec().getContainers().get(0).getImage()))
                  && get(namespace, "img").getStatus().getPhase() == Phase.Ready;
            });
    assertThat(names(workerPods(namespace, "img"))).doesNotContainAnyElementsOf(before);
  }

  // ---------------------------------------------------------------------------------------------

  private static InferencePipeline small(
      String namespace, String name, int stages, int replicas, int standbys) {
    InferencePipeline pipeline = new InferencePipeline();
    pipeline.getMetadata().setName(name);
    pipeline.getMetadata().setNamespace(namespace);
    InferencePipelineSpec spec = new InferencePipelineSpec();
    spec.setModel(new ModelSpec("builtin:resnet50"));
    spec.setPartitioning(PartitioningSpec.balanced(stages));
    spec.setReplicasPerStage(replicas);
    spec.setStandbyWorkers(standbys);
    pipeline.setSpec(spec);
    return pipeline;
  }

  private PipelineDouble playPods(String namespace, String name) {
    PipelineDouble double_ = new PipelineDouble(admin, etcd.endpoint(), namespace, name);
    doubles.add(double_);
    return double_;
  }

  /** Plays the pods (when given) until the pipeline reaches the phase. */
  private static InferencePipeline awaitPhase(
      String namespace, String name, Phase phase, PipelineDouble pods) {
    return await(name + " " + phase)
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(300))
        .until(
            () -> {
              if (pods != null) {
                pods.step();
              }
              return get(namespace, name);
            },
            p ->
                p != null
                    && p.getStatus() != null
                    && p.getStatus().getPhase() == phase
                    && p.getMetadata()
                        .getGeneration()
                        .equals(p.getStatus().getObservedGeneration()));
  }

  /**
   * Generations for which every stage of the published plan, or of the old one, has a worker
   * holding its slice.
   */
  private static Set<Long> servedGenerations(
      MembershipSnapshot snapshot, Map<Long, Integer> stageCounts) {
    Map<Long, Map<Integer, Boolean>> served = new TreeMap<>();
    snapshot.assignments().values().stream()
        .filter(a -> !a.isStandby())
        .forEach(
            a -> {
              boolean holds =
                  snapshot
                      .worker(a.workerId())
                      .map(
                          w ->
                              w.isReady()
                                  && w.holds(PipelineDouble.slice(a.planGeneration(), a.stage())))
                      .orElse(false);
              served
                  .computeIfAbsent(a.planGeneration(), g -> new TreeMap<>())
                  .merge(a.stage(), holds, Boolean::logicalOr);
            });
    return served.entrySet().stream()
        .filter(
            e -> {
              int wanted = stageCounts.getOrDefault(e.getKey(), -1);
              return e.getValue().size() == wanted && !e.getValue().containsValue(false);
            })
        .map(Map.Entry::getKey)
        .collect(Collectors.toSet());
  }

  private static String only(MembershipSnapshot snapshot, Predicate<Assignment> filter) {
    return snapshot.assignments().values().stream()
        .filter(filter)
        .map(Assignment::workerId)
        .findFirst()
        .orElseThrow();
  }

  private static MixedOperation<InferencePipeline, ?, Resource<InferencePipeline>> pipelines() {
    return admin.resources(InferencePipeline.class);
  }

  private static InferencePipeline create(String namespace, InferencePipeline pipeline) {
    pipeline.getMetadata().setUid(null);
    pipeline.getMetadata().setGeneration(null);
    return pipelines().inNamespace(namespace).resource(pipeline).create();
  }

  private static InferencePipeline get(String namespace, String name) {
    return pipelines().inNamespace(namespace).withName(name).get();
  }

  /**
   * Edits the spec as a user would: the operator writes status concurrently, so a read-modify-write
   * can meet a newer resourceVersion (409) and is tried again on a fresh read, as kubectl does.
   */
  private static void edit(
      String namespace, String name, java.util.function.Consumer<InferencePipeline> change) {
    await("edit of " + name)
        .atMost(TIMEOUT)
        .ignoreExceptionsMatching(
            e -> e instanceof KubernetesClientException k && k.getCode() == 409)
        .until(
            () -> {
              pipelines()
                  .inNamespace(namespace)
                  .withName(name)
                  .edit(
                      p -> {
                        change.accept(p);
                        return p;
                      });
              return true;
            });
  }

  private static List<Pod> workerPods(String namespace, String name) {
    return admin
        .pods()
        .inNamespace(namespace)
        .withLabel(Labels.INSTANCE, name)
        .withLabel(Labels.COMPONENT, "worker")
        .list()
        .getItems();
  }

  private static List<String> names(List<? extends HasMetadata> objects) {
    return objects.stream().map(o -> o.getMetadata().getName()).toList();
  }

  private static Condition condition(InferencePipeline pipeline, String type) {
    return pipeline.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElseThrow();
  }

  private static List<String> warningEvents(String namespace, String name, String reason) {
    return admin.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .filter(e -> "Warning".equals(e.getType()) && reason.equals(e.getReason()))
        .map(e -> e.getMessage())
        .toList();
  }

  private static void assertRejected(String namespace, String yaml, String message) {
    GenericKubernetesResource resource =
        Serialization.unmarshal(yaml, GenericKubernetesResource.class);
    assertThatThrownBy(
            () ->
                admin
                    .genericKubernetesResources("adapt.dev/v1alpha1", "InferencePipeline")
                    .inNamespace(namespace)
                    .resource(resource)
                    .create())
        .as("rejected: %s", yaml)
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(
            e -> {
              assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422);
              assertThat(e.getMessage()).contains(message);
            });
  }

  private static String namespace(String prefix) {
    return admin
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

  /** Runs kubectl, the one built with the test binaries, against the test API server. */
  private static String kubectl(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(KubeApiTestBinaries.binary(KubeApiTestBinaries.KUBECTL).toString());
    command.add("--kubeconfig=" + kubeconfig);
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException("kubectl " + String.join(" ", args) + " failed:\n" + output);
    }
    return output;
  }
}
