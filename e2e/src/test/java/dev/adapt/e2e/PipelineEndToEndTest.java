package dev.adapt.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.PlanStage;
import dev.adapt.core.membership.WorkerRecord;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.crd.v1alpha1.InferencePipelineStatus;
import dev.adapt.operator.crd.v1alpha1.Phase;
import dev.adapt.operator.crd.v1alpha1.StageStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ADAPT on a real cluster, from {@code kubectl apply -k deploy/} to the deletion of a pipeline. The
 * scenarios share one operator installation and one pipeline and run in order; each starts by
 * waiting for the pipeline to be Ready in the shape the previous ones left it in. Load comes from
 * {@code adapt bench}, which checks every answer against the unsplit model.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineEndToEndTest {
  private static final Logger log = LoggerFactory.getLogger(PipelineEndToEndTest.class);

  static final String NAMESPACE = "adapt-e2e";
  static final String NAME = "e2e";
  static final String OPERATOR_NAMESPACE = "adapt-system";
  static final String MANIFEST = "e2e/src/test/resources/e2e-small.yaml";

  /** The first start unpacks TensorFlow in every pod and builds ResNet-50 from its seed. */
  static final Duration FIRST_READY = Duration.ofMinutes(25);

  /** Recovery and re-planning on a busy 2-core machine. */
  static final Duration RECOVERY = Duration.ofMinutes(15);

  static final Duration BENCH = Duration.ofMinutes(40);
  static final int CONCURRENCY = 4;

  private Cluster cluster;
  private Pipeline pipeline;
  private final E2eReport report = new E2eReport();
  private boolean installed;
  private boolean deleted;
  private double requestsPerSecond = 2;
  private int stages = 2;
  private String readyWorkers = "3/3";
  private ModelPlans twoStages;

  @RegisterExtension
  final Diagnostics diagnostics = new Diagnostics(() -> cluster, NAMESPACE, NAME);

  /** A failed scenario's outcome in the summary is its failure's first line. */
  @RegisterExtension
  final AfterTestExecutionCallback outcomes =
      context ->
          context
              .getExecutionException()
              .ifPresent(
                  e ->
                      report.outcome(
                          context.getDisplayName(),
                          "FAILED: "
                              + String.valueOf(e.getMessage()).lines().findFirst().orElse("")));

  @BeforeAll
  void connect() {
    cluster = Cluster.require();
    pipeline = new Pipeline(cluster, NAMESPACE, NAME);
  }

  @AfterAll
  void summarize() {
    String text = report.write();
    System.out.println("\n" + text);
    System.out.println("(written to " + E2eReport.file() + ")");
    if (deleted) {
      cluster.kubectl("delete", "namespace", NAMESPACE, "--wait=false");
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  // ---- 1 ------------------------------------------------------------------------------------

  @Test
  @Order(1)
  @DisplayName("1 Install: operator from deploy/, a 2-stage pipeline Ready")
  void installsTheOperatorAndDeploysAPipeline(TestInfo test, TestReporter reporter) {
    String s = scenario(test);
    Instant started = Instant.now();
    report.record(
        reporter,
        s,
        "images",
        Images.ensureLoaded(cluster)
            ? "imported from scripts/images.sh's archives in " + seconds(started)
            : "already in the cluster");

    cluster.kubectl(Duration.ofMinutes(5), "apply", "-k", "deploy/").requireSuccess();
    cluster
        .kubectl(
            "-n",
            OPERATOR_NAMESPACE,
            "set",
            "env",
            "deployment/adapt-operator",
            "ADAPT_ETCD_IMAGE=" + Images.ETCD)
        .requireSuccess();
    // The operator of this run is the image imported now, whatever ran before.
    cluster
        .kubectl("-n", OPERATOR_NAMESPACE, "rollout", "restart", "deployment/adapt-operator")
        .requireSuccess();
    cluster
        .kubectl(
            Duration.ofMinutes(11),
            "-n",
            OPERATOR_NAMESPACE,
            "rollout",
            "status",
            "deployment/adapt-operator",
            "--timeout=10m")
        .requireSuccess();
    cluster
        .kubectl(
            Duration.ofMinutes(6),
            "-n",
            OPERATOR_NAMESPACE,
            "wait",
            "--for=condition=Available",
            "deployment/adapt-operator",
            "--timeout=5m")
        .requireSuccess();
    Pod operator =
        cluster
            .client()
            .pods()
            .inNamespace(OPERATOR_NAMESPACE)
            .withLabel("app.kubernetes.io/name", "adapt-operator")
            .list()
            .getItems()
            .stream()
            .filter(Pipeline::ready)
            .findFirst()
            .orElseThrow(() -> new AssertionError("no Ready operator pod"));
    assertThat(operator.getSpec().getServiceAccountName()).isEqualTo("adapt-operator");
    assertThat(operator.getSpec().getContainers().get(0).getEnv())
        .anyMatch(e -> e.getName().equals("ADAPT_ETCD_IMAGE") && Images.ETCD.equals(e.getValue()));
    report.record(reporter, s, "operator available after", seconds(started));

    removeLeftovers();
    if (cluster.client().namespaces().withName(NAMESPACE).get() == null) {
      cluster.kubectl("create", "namespace", NAMESPACE).requireSuccess();
    }
    twoStages = ModelPlans.balanced(cluster.repositoryRoot(), 2);

    Instant applied = Instant.now();
    cluster.kubectl("apply", "-n", NAMESPACE, "-f", MANIFEST).requireSuccess();
    Commands.Result wait =
        cluster.kubectl(
            FIRST_READY.plusMinutes(1),
            "wait",
            "--for=condition=Ready",
            "ipl/" + NAME,
            "-n",
            NAMESPACE,
            "--timeout=" + FIRST_READY.toMinutes() + "m");
    if (!wait.succeeded()) {
      fail(wait.describe() + "\nstatus: " + pipeline.describe());
    }
    report.record(reporter, s, "time to Ready after kubectl apply", seconds(applied));

    Map<String, String> row = getIpl();
    report.record(reporter, s, "kubectl get ipl", row);
    assertThat(row)
        .containsEntry("PHASE", "Ready")
        .containsEntry("STAGES", "2")
        .containsEntry("READY", "3/3")
        .containsEntry("ENDPOINT", "http://" + NAME + "-dispatcher." + NAMESPACE + ".svc:8000");

    InferencePipelineStatus status = pipeline.status();
    assertThat(status.getSplitPoints())
        .as("the dispatcher's balanced split points are those adapt plan computes")
        .isEqualTo(twoStages.cutPoints());
    assertThat(status.getStages()).hasSize(2);
    for (StageStatus stage : status.getStages()) {
      assertThat(stage.getReadyReplicas()).isEqualTo(1);
      assertThat(stage.getDesiredReplicas()).isEqualTo(1);
      assertThat(stage.getPods()).hasSize(1);
    }
    assertThat(status.getStandbyReady()).isEqualTo(1);
    assertThat(status.getStandbyDesired()).isEqualTo(1);

    // READY counts the workers that really serve: cross-check with etcd and the pods.
    MembershipSnapshot etcd = pipeline.readMembership();
    PlanRecord plan = etcd.plan().orElseThrow();
    assertThat(plan.generation()).isEqualTo(status.getPlanGeneration());
    assertThat(plan.cutPoints()).isEqualTo(status.getSplitPoints());
    Pipeline.Roles roles = Pipeline.Roles.of(etcd, plan.generation());
    int serving = 0;
    for (int stage = 0; stage < 2; stage++) {
      serving += etcd.replicas(plan, stage).size();
      assertThat(roles.byStage().get(stage))
          .containsExactlyElementsOf(status.getStages().get(stage).getPods());
    }
    assertThat(roles.standbys()).hasSize(1);
    WorkerRecord standby = etcd.workers().get(roles.standbys().get(0));
    assertThat(standby).isNotNull();
    assertThat(standby.isReady()).isTrue();
    List<Pod> workers = pipeline.workerPods();
    assertThat(workers).hasSize(3).allMatch(Pipeline::ready);

    // Mutual TLS is on by default: strangers on the pod network get nothing from the pipeline.
    PeerTlsChecks.workerRefusesPlaintextButAnswersProbes(workers.get(0).getStatus().getPodIP());
    PeerTlsChecks.etcdRequiresAClientCertificate(
        NAME + "-etcd." + NAMESPACE + ".svc",
        pipeline.serviceIp(NAME + "-etcd"),
        pipeline.authority());
    report.record(
        reporter,
        s,
        "mutual TLS",
        "a worker refuses plaintext on 9000 and answers probes on 9091; etcd refuses a client"
            + " without a certificate of the pipeline's CA");
    report.record(
        reporter,
        s,
        "workers serving a stage (etcd) + ready standbys",
        serving + " + " + roles.standbys().size());
    report.record(reporter, s, "split points", status.getSplitPoints());
    installed = true;
    report.outcome(s, "passed");
  }

  // ---- 2 ------------------------------------------------------------------------------------

  @Test
  @Order(2)
  @DisplayName("2 OIP over REST (binary) and gRPC equals the unsplit model")
  void answersOverRestAndGrpcLikeTheUnsplitModel(TestInfo test, TestReporter reporter) {
    String s = scenario(test);
    requireInstalled();
    pipeline.awaitReady(stages, readyWorkers, RECOVERY);
    String ip = pipeline.dispatcherIp();
    List<Double> rates = new ArrayList<>();
    for (String protocol : List.of("http", "grpc")) {
      Bench.Result result =
          Bench.run(cluster.repositoryRoot(), protocol, ip, protocol, 96, CONCURRENCY, BENCH);
      recordBench(reporter, s, protocol.equals("http") ? "REST" : "gRPC", result);
      assertAllAnswered(result);
      rates.add(result.throughputRps());
    }
    requestsPerSecond =
        Math.max(0.5, rates.stream().mapToDouble(Double::doubleValue).min().orElse(1));
    report.outcome(s, "passed");
  }

  // ---- 3 ------------------------------------------------------------------------------------

  @Test
  @Order(3)
  @DisplayName("3a Worker pod deleted under load")
  void aDeletedWorkerPodIsReplacedWithoutLosingARequest(TestInfo test, TestReporter reporter) {
    String s = scenario(test);
    requireInstalled();
    pipeline.awaitReady(stages, readyWorkers, RECOVERY);
    long generation = pipeline.status().getPlanGeneration();
    Pipeline.Roles roles = pipeline.roles();
    int stage = stages - 1;
    String victim = roles.byStage().get(stage).get(0);
    String standby = roles.standbys().get(0);
    Set<String> before = names(pipeline.workerPods());

    Disruption d =
        underLoad(
            reporter,
            s,
            "delete-worker",
            Duration.ofSeconds(150),
            () ->
                cluster
                    .kubectl("delete", "pod", victim, "-n", NAMESPACE, "--wait=false")
                    .requireSuccess());
    Instant takeover = awaitStage(generation, stage, standby);
    report.record(reporter, s, "deleted pod (stage " + stage + ")", victim);
    report.record(reporter, s, "standby that took the stage", standby);
    report.record(reporter, s, "time to takeover by the standby", seconds(d.at, takeover));
    d.requireLoadDuring(takeover);
    String replacement =
        Poll.until(
            "a replacement worker pod",
            RECOVERY,
            Duration.ofSeconds(1),
            seen -> {
              Set<String> now = names(pipeline.workerPods());
              seen.set(now.toString());
              return now.stream().filter(n -> !before.contains(n)).findFirst();
            });
    report.record(
        reporter, s, "replacement pod", replacement + " (created " + seconds(d.at) + " after)");
    pipeline.awaitReady(stages, readyWorkers, RECOVERY);
    report.record(reporter, s, "time to Ready", seconds(d.at));
    pipeline.awaitStandby(replacement, RECOVERY);
    report.record(reporter, s, "replacement is the standby", seconds(d.at) + " after");
    assertThat(names(pipeline.workerPods())).doesNotContain(victim).contains(replacement);

    Bench.Result result = d.bench.await(BENCH);
    recordBench(reporter, s, "load", result);
    assertAllAnswered(result);
    report.outcome(s, "passed");
  }

  @Test
  @Order(4)
  @DisplayName("3b Worker JVM killed under load")
  void aKilledWorkerJvmIsRestartedWithoutLosingARequest(TestInfo test, TestReporter reporter) {
    String s = scenario(test);
    requireInstalled();
    pipeline.awaitReady(stages, readyWorkers, RECOVERY);
    long generation = pipeline.status().getPlanGeneration();
    Pipeline.Roles roles = pipeline.roles();
    int stage = 0;
    String victim = roles.byStage().get(stage).get(0);
    String standby = roles.standbys().get(0);
    Pod pod = pipeline.pod(victim).orElseThrow();
    int restarts = Pipeline.restarts(pod);
    String container =
        pod.getStatus().getContainerStatuses().get(0).getContainerID().replace("containerd://", "");

    Disruption d =
        underLoad(
            reporter,
            s,
            "kill-worker-jvm",
            Duration.ofSeconds(150),
            () -> cluster.ctr("tasks", "kill", "-s", "SIGKILL", container).requireSuccess());
    Instant restarted =
        Poll.until(
            "the container of " + victim + " restarted",
            RECOVERY,
            Duration.ofSeconds(1),
            seen -> {
              int now = pipeline.pod(victim).map(Pipeline::restarts).orElse(-1);
              seen.set("restarts " + now);
              return now > restarts ? Optional.of(Instant.now()) : Optional.empty();
            });
    Instant takeover = awaitStage(generation, stage, standby);
    report.record(reporter, s, "killed the JVM of (stage " + stage + ")", victim);
    report.record(reporter, s, "standby that took the stage", standby);
    report.record(reporter, s, "container restart seen after", seconds(d.at, restarted));
    report.record(reporter, s, "time to takeover by the standby", seconds(d.at, takeover));
    d.requireLoadDuring(takeover);
    pipeline.awaitReady(stages, readyWorkers, RECOVERY);
    report.record(reporter, s, "time to Ready", seconds(d.at));
    pipeline.awaitStandby(victim, RECOVERY);
    report.record(reporter, s, "restarted worker is the standby", seconds(d.at) + " after");

    Bench.Result result = d.bench.await(BENCH);
    recordBench(reporter, s, "load", result);
    assertAllAnswered(result);
    report.outcome(s, "passed");
  }

  // ---- 4 ------------------------------------------------------------------------------------

  /**
   * etcd is the control plane's: the data plane routes on what it last read, so requests must not
   * fail while etcd is away, and what etcd held (spec, plan, registrations, assignments) must be
   * restored by the components that own it, also when the member comes back empty (emptyDir).
   */
  @Test
  @Order(5)
  @DisplayName("4 etcd pod deleted under load")
  void aDeletedEtcdPodComesBackWithTheMembership(TestInfo test, TestReporter reporter) {
    String s = scenario(test);
    requireInstalled();
    pipeline.awaitReady(stages, readyWorkers, RECOVERY);
    MembershipSnapshot before = pipeline.readMembership();
    Pod etcd = pipeline.pods("etcd").get(0);
    String uid = etcd.getMetadata().getUid();

    Disruption d =
        underLoad(
            reporter,
            s,
            "delete-etcd",
            Duration.ofSeconds(120),
            () ->
                cluster
                    .kubectl(
                        "delete",
                        "pod",
                        etcd.getMetadata().getName(),
                        "-n",
                        NAMESPACE,
                        "--wait=false")
                    .requireSuccess());
    Instant etcdBack =
        Poll.until(
            "a new etcd pod Ready",
            RECOVERY,
            Duration.ofSeconds(1),
            seen -> {
              List<Pod> pods = pipeline.pods("etcd");
              seen.set(describePods(pods));
              return pods.stream()
                  .filter(p -> !p.getMetadata().getUid().equals(uid))
                  .filter(Pipeline::ready)
                  .findFirst()
                  .map(p -> Instant.now());
            });
    report.record(reporter, s, "new etcd pod Ready after", seconds(d.at, etcdBack));
    d.requireLoadDuring(etcdBack);
    Instant restored =
        Poll.until(
            "spec, plan, registrations and assignments back in etcd",
            RECOVERY,
            Duration.ofSeconds(2),
            seen -> {
              MembershipSnapshot now = pipeline.readMembership();
              List<String> missing = differences(before, now);
              seen.set(missing.toString());
              return missing.isEmpty() ? Optional.of(Instant.now()) : Optional.empty();
            });
    report.record(reporter, s, "membership restored after", seconds(d.at, restored));
    pipeline.awaitReady(stages, readyWorkers, RECOVERY);
    report.record(reporter, s, "time to Ready", seconds(d.at));
    MembershipSnapshot after = pipeline.readMembership();
    report.record(
        reporter,
        s,
        "same workers on the same stages as before",
        after.assignments().equals(before.assignments())
            ? "yes"
            : "no: " + before.assignments().values() + " -> " + after.assignments().values());
    report.record(
        reporter,
        s,
        "slices transferred during the recovery",
        count(dispatcherLogSince(d.at), "pushed slice"));

    Bench.Result result = d.bench.await(BENCH);
    recordBench(reporter, s, "load", result);
    assertAllAnswered(result);
    report.outcome(s, "passed");
  }

  // ---- 5 ------------------------------------------------------------------------------------

  @Test
  @Order(6)
  @DisplayName("5 Dispatcher pod deleted")
  void aDeletedDispatcherPodIsReplacedAndWorkersKeepTheirSlices(
      TestInfo test, TestReporter reporter) {
    String s = scenario(test);
    requireInstalled();
    pipeline.awaitReady(stages, readyWorkers, RECOVERY);
    MembershipSnapshot before = pipeline.readMembership();
    Pod old = pipeline.pods("dispatcher").get(0);
    Map<String, Integer> workerRestarts = restartsByPod(pipeline.workerPods());
    String ip = pipeline.dispatcherIp();

    try (ReadinessProbe probe = new ReadinessProbe(ip, 8000)) {
      Poll.until(
          "the probe sees the dispatcher ready",
          Duration.ofMinutes(2),
          Duration.ofMillis(250),
          seen -> probe.readyFor(4) ? Optional.of(true) : Optional.empty());
      Instant deleted = Instant.now();
      cluster
          .kubectl("delete", "pod", old.getMetadata().getName(), "-n", NAMESPACE, "--wait=false")
          .requireSuccess();
      Pod replacement =
          Poll.until(
              "a new dispatcher pod Ready",
              RECOVERY,
              Duration.ofSeconds(1),
              seen -> {
                List<Pod> pods = pipeline.pods("dispatcher");
                seen.set(describePods(pods));
                return pods.stream()
                    .filter(p -> !p.getMetadata().getName().equals(old.getMetadata().getName()))
                    .filter(Pipeline::ready)
                    .findFirst();
              });
      report.record(reporter, s, "new dispatcher pod Ready after", seconds(deleted));
      Poll.until(
          "the Service answers ready again",
          RECOVERY,
          Duration.ofMillis(250),
          seen -> {
            seen.set(probe.outages().toString());
            return probe.readyFor(8) ? Optional.of(true) : Optional.empty();
          });
      List<ReadinessProbe.Outage> outages = probe.outages();
      Duration downtime =
          outages.stream().map(ReadinessProbe.Outage::length).reduce(Duration.ZERO, Duration::plus);
      report.record(reporter, s, "downtime seen by a client (health/ready)", seconds(downtime));
      report.record(
          reporter,
          s,
          "outages",
          outages.stream()
              .map(o -> seconds(o.length()) + " from " + o.firstProblem())
              .collect(Collectors.joining("; ")));

      pipeline.awaitReady(stages, readyWorkers, RECOVERY);
      MembershipSnapshot after = pipeline.readMembership();
      List<String> oldSlices = sliceHashes(before.plan().orElseThrow());
      List<String> newSlices = sliceHashes(after.plan().orElseThrow());
      String logs =
          cluster
              .kubectl("logs", replacement.getMetadata().getName(), "-n", NAMESPACE)
              .requireSuccess()
              .stdout();
      long offered = count(logs, "already holds slice");
      long pushed = count(logs, "pushed slice");
      long loaded = count(workerLogsSince(deleted), "loaded slice");
      report.record(
          reporter,
          s,
          "plan generation before/after",
          before.plan().get().generation() + "/" + after.plan().get().generation());
      report.record(reporter, s, "slice hashes unchanged", oldSlices.equals(newSlices));
      report.record(reporter, s, "slices transferred again", pushed);
      report.record(reporter, s, "slices loaded again by workers", loaded);
      report.record(
          reporter,
          s,
          "offers answered 'already held' (the dispatcher offers only what registrations lack)",
          offered);
      assertThat(restartsByPod(pipeline.workerPods()))
          .as("workers are not restarted with the dispatcher")
          .isEqualTo(workerRestarts);
      if (oldSlices.equals(newSlices)) {
        assertThat(pushed)
            .as("workers that hold the slices of an unchanged plan get no transfer")
            .isZero();
        assertThat(loaded).as("workers load no slice again").isZero();
        assertThat(after.assignments()).isEqualTo(before.assignments());
      }
    }
    Bench.Result result =
        Bench.run(cluster.repositoryRoot(), "after-dispatcher", ip, "http", 48, CONCURRENCY, BENCH);
    recordBench(reporter, s, "load after", result);
    assertAllAnswered(result);
    report.outcome(s, "passed");
  }

  // ---- 6 ------------------------------------------------------------------------------------

  @Test
  @Order(7)
  @DisplayName("6 Re-plan from 2 to 3 stages under load")
  void aNewStageCountRollsOutUnderLoad(TestInfo test, TestReporter reporter) {
    String s = scenario(test);
    requireInstalled();
    pipeline.awaitReady(stages, readyWorkers, RECOVERY);
    long generation = pipeline.status().getPlanGeneration();
    ModelPlans threeStages = ModelPlans.balanced(cluster.repositoryRoot(), 3);

    Disruption d =
        underLoad(
            reporter,
            s,
            "replan",
            Duration.ofSeconds(420),
            () ->
                cluster
                    .kubectl(
                        "patch",
                        "ipl",
                        NAME,
                        "-n",
                        NAMESPACE,
                        "--type=merge",
                        "-p",
                        "{\"spec\":{\"partitioning\":{\"stages\":3}}}")
                    .requireSuccess());
    Instant switched =
        Poll.until(
            "a plan of 3 stages in service",
            RECOVERY,
            Duration.ofSeconds(1),
            seen -> {
              seen.set(pipeline.describe());
              InferencePipelineStatus st = pipeline.status();
              return st.getPlanGeneration() != null
                      && st.getPlanGeneration() > generation
                      && Integer.valueOf(3).equals(st.getStageCount())
                  ? Optional.of(Instant.now())
                  : Optional.empty();
            });
    report.record(reporter, s, "new plan in service after", seconds(d.at, switched));
    d.requireLoadDuring(switched);
    stages = 3;
    readyWorkers = "4/4";
    pipeline.awaitReady(stages, readyWorkers, RECOVERY);
    Poll.untilTrue(
        "the surge pods gone",
        RECOVERY,
        Duration.ofSeconds(1),
        () -> describePods(pipeline.workerPods()),
        pods -> pipeline.workerPods().size() == 4);
    report.record(reporter, s, "time to Ready with 3 stages", seconds(d.at));
    assertThat(getIpl()).containsEntry("STAGES", "3").containsEntry("READY", "4/4");
    assertThat(pipeline.status().getSplitPoints()).isEqualTo(threeStages.cutPoints());
    report.record(reporter, s, "split points", pipeline.status().getSplitPoints());

    Bench.Result result = d.bench.await(BENCH);
    recordBench(reporter, s, "load", result);
    assertAllAnswered(result);
    report.outcome(s, "passed");
  }

  // ---- 7 ------------------------------------------------------------------------------------

  @Test
  @Order(8)
  @DisplayName("7 Invalid split point")
  void anInvalidSplitPointIsReportedAndTheOldPlanKeepsServing(
      TestInfo test, TestReporter reporter) {
    String s = scenario(test);
    requireInstalled();
    InferencePipeline ready = pipeline.awaitReady(stages, readyWorkers, RECOVERY);
    long generation = ready.getStatus().getPlanGeneration();
    List<String> valid =
        twoStages != null
            ? twoStages.validCutPoints()
            : ModelPlans.balanced(cluster.repositoryRoot(), 2).validCutPoints();
    Instant patched = Instant.now();
    cluster
        .kubectl(
            "patch",
            "ipl",
            NAME,
            "-n",
            NAMESPACE,
            "--type=merge",
            "-p",
            "{\"spec\":{\"partitioning\":{\"stages\":null,\"splitAt\":[\"no_such_layer\"]}}}")
        .requireSuccess();
    Condition invalid =
        Poll.until(
            "phase Failed with an InvalidSpec condition",
            RECOVERY,
            Duration.ofSeconds(1),
            seen -> {
              InferencePipeline p = pipeline.get().orElseThrow();
              seen.set(Pipeline.describe(p));
              if (p.getStatus() == null
                  || p.getStatus().getPhase() != Phase.Failed
                  || !p.getMetadata()
                      .getGeneration()
                      .equals(p.getStatus().getObservedGeneration())) {
                return Optional.empty();
              }
              return p.getStatus().getConditions().stream()
                  .filter(c -> c.getType().equals("InvalidSpec") && c.getStatus().equals("True"))
                  .findFirst();
            });
    report.record(reporter, s, "phase Failed after", seconds(patched));
    report.record(reporter, s, "InvalidSpec", invalid.getReason() + ": " + invalid.getMessage());
    assertThat(invalid.getMessage()).contains("no_such_layer");
    String listed = String.join(", ", valid.subList(0, Math.min(60, valid.size())));
    assertThat(invalid.getMessage())
        .as("the message lists the valid split points")
        .contains("Valid split points: " + listed);
    assertThat(getIpl()).containsEntry("PHASE", "Failed");
    assertThat(pipeline.status().getPlanGeneration()).isEqualTo(generation);
    assertThat(pipeline.status().getStageCount()).isEqualTo(stages);

    Bench.Result result =
        Bench.run(
            cluster.repositoryRoot(),
            "invalid-spec",
            pipeline.dispatcherIp(),
            "http",
            48,
            CONCURRENCY,
            BENCH);
    recordBench(reporter, s, "load on the old plan", result);
    assertAllAnswered(result);

    // A valid spec again: the pipeline converges.
    Instant fixed = Instant.now();
    cluster
        .kubectl(
            "patch",
            "ipl",
            NAME,
            "-n",
            NAMESPACE,
            "--type=merge",
            "-p",
            "{\"spec\":{\"partitioning\":{\"splitAt\":null,\"stages\":" + stages + "}}}")
        .requireSuccess();
    pipeline.awaitReady(stages, readyWorkers, RECOVERY);
    report.record(reporter, s, "Ready again after fixing the spec", seconds(fixed));
    report.outcome(s, "passed");
  }

  // ---- 8 ------------------------------------------------------------------------------------

  @Test
  @Order(9)
  @DisplayName("8 Pipeline deleted")
  void deletingThePipelineRemovesEverythingItOwns(TestInfo test, TestReporter reporter) {
    String s = scenario(test);
    requireInstalled();
    assertThat(owned()).as("owned objects before deletion").isNotEmpty();
    Instant started = Instant.now();
    cluster
        .kubectl(Duration.ofMinutes(11), "delete", "ipl", NAME, "-n", NAMESPACE, "--timeout=10m")
        .requireSuccess();
    Poll.until(
        "every object of the pipeline gone",
        RECOVERY,
        Duration.ofSeconds(1),
        seen -> {
          List<String> left = owned();
          seen.set(left.toString());
          return left.isEmpty() && pipeline.get().isEmpty() ? Optional.of(true) : Optional.empty();
        });
    report.record(reporter, s, "everything gone after", seconds(started));
    deleted = true;
    report.outcome(s, "passed");
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** A disruption made while a bench sends requests. */
  private final class Disruption {
    final Bench bench;
    final Instant at;

    Disruption(Bench bench, Instant at) {
      this.bench = bench;
      this.at = at;
    }

    /** The load must have lasted past {@code moment}, or the scenario proved nothing. */
    void requireLoadDuring(Instant moment) {
      if (!bench.running()) {
        bench.kill();
        fail(
            "the bench ended before "
                + moment
                + ": the load did not span the disruption; it sizes its requests from the"
                + " throughput of scenario 2 ("
                + requestsPerSecond
                + " req/s)");
      }
    }
  }

  /**
   * Starts a bench big enough to run about {@code span} at the measured throughput, waits until it
   * sends its measured requests and a little longer, then disrupts.
   */
  private Disruption underLoad(
      TestReporter reporter, String scenario, String name, Duration span, Runnable disruption) {
    int requests = (int) Math.max(120, Math.ceil(requestsPerSecond * span.toSeconds()));
    report.record(reporter, scenario, "requests sent", requests);
    Bench bench =
        Bench.start(
            cluster.repositoryRoot(), name, pipeline.dispatcherIp(), "http", requests, CONCURRENCY);
    try {
      bench.awaitSending(Duration.ofMinutes(10));
      Poll.sleep(Duration.ofSeconds(10));
      if (!bench.running()) {
        fail("the bench ended before the disruption");
      }
      Instant at = Instant.now();
      disruption.run();
      return new Disruption(bench, at);
    } catch (RuntimeException | AssertionError e) {
      bench.kill();
      throw e;
    }
  }

  /** Waits until etcd assigns {@code worker} to {@code stage} and the status shows it. */
  private Instant awaitStage(long generation, int stage, String worker) {
    return Poll.until(
        worker + " serving stage " + stage,
        RECOVERY,
        Duration.ofMillis(500),
        seen -> {
          Pipeline.Roles roles = Pipeline.Roles.of(pipeline.readMembership(), generation);
          seen.set(roles.toString());
          return roles.byStage().getOrDefault(stage, List.of()).contains(worker)
              ? Optional.of(Instant.now())
              : Optional.empty();
        });
  }

  /**
   * What of {@code before} is not back in {@code now}: the spec and the plan as they were, every
   * worker registered and READY, and assignments of the same shape (per stage as many workers, as
   * many standbys, the same plan generation), each stage's workers holding its slice. Which worker
   * holds which stage may differ: while the old etcd shuts down, workers cannot renew their leases,
   * it lets them expire, and the operator fails their stages over as it would for dead workers.
   */
  private static List<String> differences(MembershipSnapshot before, MembershipSnapshot now) {
    List<String> differences = new ArrayList<>();
    if (!now.spec().equals(before.spec())) {
      differences.add("spec " + now.spec() + " instead of " + before.spec());
    }
    if (!now.plan().equals(before.plan())) {
      differences.add(
          "plan "
              + now.plan().map(PlanRecord::generation).orElse(null)
              + " instead of "
              + before.plan().map(PlanRecord::generation).orElse(null));
    }
    for (WorkerRecord worker : before.workers().values()) {
      WorkerRecord current = now.workers().get(worker.workerId());
      if (current == null || !current.isReady()) {
        differences.add("worker " + worker.workerId() + ": " + current);
      }
    }
    if (!shape(now).equals(shape(before))) {
      differences.add(
          "assignments "
              + now.assignments().values()
              + " instead of the shape of "
              + before.assignments().values());
    }
    now.plan()
        .filter(plan -> !now.servesEveryStage(plan))
        .ifPresent(plan -> differences.add("not every stage served: " + now));
    return differences;
  }

  /** Per stage (and -1 for standbys) of which plan generation, how many workers. */
  private static Map<String, Long> shape(MembershipSnapshot snapshot) {
    return snapshot.assignments().values().stream()
        .collect(
            Collectors.groupingBy(
                a -> a.stage() + "@" + a.planGeneration(),
                java.util.TreeMap::new,
                Collectors.counting()));
  }

  private void recordBench(TestReporter reporter, String scenario, String what, Bench.Result r) {
    report.record(
        reporter,
        scenario,
        what,
        String.format(
            Locale.ROOT,
            "%d requests: %d failed, %d duplicates, %d mismatches; %.2f req/s, p50 %.0f ms, p99"
                + " %.0f ms, max %.0f ms; %d replays",
            r.requests(),
            r.failed(),
            r.duplicates(),
            r.mismatches(),
            r.throughputRps(),
            r.p50Ms(),
            r.p99Ms(),
            r.maxMs(),
            r.replays()));
  }

  private static void assertAllAnswered(Bench.Result r) {
    assertThat(r.failed()).as("failed requests: %s", r.failures()).isZero();
    assertThat(r.duplicates()).as("duplicated answers").isZero();
    assertThat(r.mismatches()).as("answers that differ from the unsplit model").isZero();
    assertThat(r.succeeded()).isEqualTo(r.requests());
  }

  private void requireInstalled() {
    if (!installed) {
      fail("scenario 1 did not install the pipeline, which this scenario needs");
    }
  }

  /** Deletes a pipeline an earlier run left behind, and waits until its objects are gone. */
  private void removeLeftovers() {
    if (pipeline.get().isEmpty() && owned().isEmpty()) {
      return;
    }
    log.info("removing the pipeline of an earlier run");
    cluster
        .kubectl(
            Duration.ofMinutes(11),
            "delete",
            "ipl",
            NAME,
            "-n",
            NAMESPACE,
            "--ignore-not-found",
            "--timeout=10m")
        .requireSuccess();
    Poll.untilTrue(
        "the objects of an earlier run gone",
        RECOVERY,
        Duration.ofSeconds(2),
        () -> owned().toString(),
        left -> owned().isEmpty());
  }

  /** Every StatefulSet, Deployment, ReplicaSet, Service and Pod of the pipeline. */
  private List<String> owned() {
    var client = cluster.client();
    List<HasMetadata> objects = new ArrayList<>();
    objects.addAll(
        client
            .apps()
            .statefulSets()
            .inNamespace(NAMESPACE)
            .withLabel(Pipeline.INSTANCE, NAME)
            .list()
            .getItems());
    objects.addAll(
        client
            .apps()
            .deployments()
            .inNamespace(NAMESPACE)
            .withLabel(Pipeline.INSTANCE, NAME)
            .list()
            .getItems());
    objects.addAll(
        client
            .apps()
            .replicaSets()
            .inNamespace(NAMESPACE)
            .withLabel(Pipeline.INSTANCE, NAME)
            .list()
            .getItems());
    objects.addAll(
        client
            .services()
            .inNamespace(NAMESPACE)
            .withLabel(Pipeline.INSTANCE, NAME)
            .list()
            .getItems());
    objects.addAll(
        client.pods().inNamespace(NAMESPACE).withLabel(Pipeline.INSTANCE, NAME).list().getItems());
    return objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList();
  }

  /** The pipeline's row of {@code kubectl get ipl}, by column. */
  private Map<String, String> getIpl() {
    String table = cluster.kubectl("get", "ipl", NAME, "-n", NAMESPACE).requireSuccess().stdout();
    List<String> lines = table.lines().filter(l -> !l.isBlank()).toList();
    assertThat(lines).as("kubectl get ipl:\n%s", table).hasSize(2);
    List<String> header = List.of(lines.get(0).trim().split("\\s+"));
    List<String> values = List.of(lines.get(1).trim().split("\\s+"));
    Map<String, String> row = new LinkedHashMap<>();
    for (int i = 0; i < header.size() && i < values.size(); i++) {
      row.put(header.get(i), values.get(i));
    }
    return row;
  }

  /** The logs of the worker pods since {@code since}. */
  private String workerLogsSince(Instant since) {
    StringBuilder logs = new StringBuilder();
    for (Pod pod : pipeline.workerPods()) {
      logs.append(
          cluster
              .kubectl(
                  "logs",
                  pod.getMetadata().getName(),
                  "-n",
                  NAMESPACE,
                  "--since-time=" + since.truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
              .stdout());
    }
    return logs.toString();
  }

  /** The log of the dispatcher pods since {@code since}. */
  private String dispatcherLogSince(Instant since) {
    StringBuilder logs = new StringBuilder();
    for (Pod pod : pipeline.pods("dispatcher")) {
      logs.append(
          cluster
              .kubectl(
                  "logs",
                  pod.getMetadata().getName(),
                  "-n",
                  NAMESPACE,
                  "--since-time=" + since.truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
              .stdout());
    }
    return logs.toString();
  }

  private static Set<String> names(List<Pod> pods) {
    return pods.stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .map(p -> p.getMetadata().getName())
        .collect(Collectors.toCollection(java.util.TreeSet::new));
  }

  private static Map<String, Integer> restartsByPod(List<Pod> pods) {
    Map<String, Integer> restarts = new HashMap<>();
    pods.forEach(p -> restarts.put(p.getMetadata().getName(), Pipeline.restarts(p)));
    return restarts;
  }

  private static String describePods(List<Pod> pods) {
    return pods.stream()
        .map(
            p ->
                p.getMetadata().getName()
                    + (p.getMetadata().getDeletionTimestamp() != null ? "(terminating)" : "")
                    + (Pipeline.ready(p) ? "(ready)" : "(not ready)"))
        .collect(Collectors.joining(", "));
  }

  private static List<String> sliceHashes(PlanRecord plan) {
    return plan.stages().stream().map(PlanStage::sliceSha256).toList();
  }

  private static long count(String text, String what) {
    Matcher m = Pattern.compile(Pattern.quote(what)).matcher(text);
    long n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  private String scenario(TestInfo test) {
    report.begin(test.getDisplayName());
    return test.getDisplayName();
  }

  private static String seconds(Instant from) {
    return seconds(from, Instant.now());
  }

  private static String seconds(Instant from, Instant to) {
    return seconds(Duration.between(from, to));
  }

  private static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
  }
}
