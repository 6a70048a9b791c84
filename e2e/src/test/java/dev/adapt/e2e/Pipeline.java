package dev.adapt.e2e;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.EtcdMembership;
import dev.adapt.core.membership.EtcdSettings;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.security.CertificateAuthority;
import dev.adapt.core.security.PeerTls;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.crd.v1alpha1.InferencePipelineStatus;
import dev.adapt.operator.crd.v1alpha1.Phase;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/** One InferencePipeline under test and what the suite reads about it. */
final class Pipeline {

  static final String INSTANCE = "app.kubernetes.io/instance";
  static final String COMPONENT = "app.kubernetes.io/component";

  private final Cluster cluster;
  private final String namespace;
  private final String name;

  Pipeline(Cluster cluster, String namespace, String name) {
    this.cluster = cluster;
    this.namespace = namespace;
    this.name = name;
  }

  String namespace() {
    return namespace;
  }

  String name() {
    return name;
  }

  Optional<InferencePipeline> get() {
    return Optional.ofNullable(
        cluster
            .client()
            .resources(InferencePipeline.class)
            .inNamespace(namespace)
            .withName(name)
            .get());
  }

  InferencePipelineStatus status() {
    return get()
        .map(InferencePipeline::getStatus)
        .orElseThrow(() -> new IllegalStateException("pipeline " + name + " has no status yet"));
  }

  /** The status in one line, for logs and failure messages. */
  String describe() {
    return get().map(Pipeline::describe).orElse("pipeline " + namespace + "/" + name + " absent");
  }

  static String describe(InferencePipeline pipeline) {
    InferencePipelineStatus s = pipeline.getStatus();
    if (s == null) {
      return "no status";
    }
    List<String> conditions = new ArrayList<>();
    for (Condition c : s.getConditions()) {
      if ("True".equals(c.getStatus())) {
        conditions.add(c.getType() + "(" + c.getReason() + ": " + c.getMessage() + ")");
      }
    }
    List<String> stages = new ArrayList<>();
    s.getStages()
        .forEach(
            st ->
                stages.add(
                    st.getIndex()
                        + ":"
                        + st.getReadyReplicas()
                        + "/"
                        + st.getDesiredReplicas()
                        + st.getPods()));
    return "phase="
        + s.getPhase()
        + " stages="
        + s.getStageCount()
        + " ready="
        + s.getReadyWorkers()
        + " plan="
        + s.getPlanGeneration()
        + " split="
        + s.getSplitPoints()
        + " byStage="
        + stages
        + " standby="
        + s.getStandbyReady()
        + "/"
        + s.getStandbyDesired()
        + (s.getRollout() == null
            ? ""
            : " rollout(wanted="
                + s.getRollout().getWantedGeneration()
                + ", plan="
                + s.getRollout().getPlanGeneration()
                + ", loaded="
                + s.getRollout().getStagesLoaded()
                + ")")
        + " observed="
        + s.getObservedGeneration()
        + "/"
        + pipeline.getMetadata().getGeneration()
        + " conditions="
        + conditions;
  }

  /** Ready for the current spec: phase Ready, every worker ready, status up to date. */
  Optional<InferencePipeline> readyNow(int stages, String readyWorkers) {
    return get()
        .filter(p -> p.getStatus() != null)
        .filter(p -> p.getStatus().getPhase() == Phase.Ready)
        .filter(p -> Objects.equals(p.getStatus().getStageCount(), stages))
        .filter(p -> readyWorkers.equals(p.getStatus().getReadyWorkers()))
        .filter(
            p ->
                Objects.equals(
                    p.getStatus().getObservedGeneration(), p.getMetadata().getGeneration()));
  }

  /** Waits until {@link #readyNow}; returns the pipeline then. */
  InferencePipeline awaitReady(int stages, String readyWorkers, Duration timeout) {
    return Poll.until(
        "pipeline " + name + " Ready with " + stages + " stages and " + readyWorkers + " workers",
        timeout,
        Duration.ofSeconds(1),
        seen -> {
          seen.set(describe());
          return readyNow(stages, readyWorkers);
        });
  }

  List<Pod> pods(String component) {
    return cluster
        .client()
        .pods()
        .inNamespace(namespace)
        .withLabel(INSTANCE, name)
        .withLabel(COMPONENT, component)
        .list()
        .getItems();
  }

  List<Pod> workerPods() {
    return pods("worker");
  }

  Optional<Pod> pod(String podName) {
    return Optional.ofNullable(
        cluster.client().pods().inNamespace(namespace).withName(podName).get());
  }

  static boolean ready(Pod pod) {
    return pod.getMetadata().getDeletionTimestamp() == null
        && pod.getStatus() != null
        && pod.getStatus().getConditions().stream()
            .filter(c -> "Ready".equals(c.getType()))
            .map(PodCondition::getStatus)
            .anyMatch("True"::equals);
  }

  static int restarts(Pod pod) {
    return pod.getStatus() == null
        ? 0
        : pod.getStatus().getContainerStatuses().stream()
            .mapToInt(c -> c.getRestartCount() == null ? 0 : c.getRestartCount())
            .sum();
  }

  String serviceIp(String service) {
    Service s = cluster.client().services().inNamespace(namespace).withName(service).get();
    if (s == null) {
      throw new IllegalStateException("service " + namespace + "/" + service + " is missing");
    }
    return s.getSpec().getClusterIP();
  }

  String dispatcherIp() {
    return serviceIp(name + "-dispatcher");
  }

  /** The pipeline's certificate authority, from the Secret the operator keeps it in. */
  CertificateAuthority authority() {
    Secret secret = cluster.client().secrets().inNamespace(namespace).withName(name + "-ca").get();
    if (secret == null) {
      throw new IllegalStateException("Secret " + namespace + "/" + name + "-ca is missing");
    }
    return CertificateAuthority.fromPem(decoded(secret, "ca.crt"), decoded(secret, "ca.key"));
  }

  private static String decoded(Secret secret, String key) {
    return new String(
        java.util.Base64.getDecoder().decode(secret.getData().get(key)),
        java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** The pipeline's id in etcd: namespace and name. */
  String etcdId() {
    return namespace + "." + name;
  }

  /**
   * Reads the membership from the pipeline's etcd (through its client Service) with a new client,
   * so that nothing an earlier read saw can stand in for what etcd holds now.
   */
  MembershipSnapshot readMembership() {
    String endpoint = "https://" + serviceIp(name + "-etcd") + ":2379";
    CertificateAuthority authority = authority();
    PeerTls identity =
        PeerTls.of(
            authority.issue("e2e", List.of(), List.of(), Duration.ofHours(1)),
            authority.certificatePem());
    try (EtcdMembership membership =
        EtcdMembership.connect(EtcdSettings.of(endpoint).withTls(identity), etcdId())) {
      return membership.await(MembershipSnapshot::synced, Duration.ofSeconds(20));
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("etcd at " + endpoint + " could not be read: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Who runs what, from etcd: per stage the workers assigned to it in the given plan generation,
   * and the standbys.
   */
  record Roles(Map<Integer, List<String>> byStage, List<String> standbys) {
    static Roles of(MembershipSnapshot snapshot, long planGeneration) {
      Map<Integer, List<String>> byStage = new TreeMap<>();
      List<String> standbys = new ArrayList<>();
      for (Assignment a : snapshot.assignments().values()) {
        if (a.isStandby()) {
          standbys.add(a.workerId());
        } else if (a.planGeneration() == planGeneration) {
          byStage.computeIfAbsent(a.stage(), s -> new ArrayList<>()).add(a.workerId());
        }
      }
      return new Roles(byStage, standbys);
    }

    Optional<Integer> stageOf(String worker) {
      return byStage.entrySet().stream()
          .filter(e -> e.getValue().contains(worker))
          .map(Map.Entry::getKey)
          .findFirst();
    }
  }

  Roles roles() {
    long generation = Objects.requireNonNull(status().getPlanGeneration(), "no plan in service");
    return Roles.of(readMembership(), generation);
  }

  /**
   * Waits until etcd names {@code worker} a standby. Polled rather than read once after Ready: the
   * status is the operator's last view, and the assignments in etcd can change after it was written
   * (a CI run read no standby at all just after a Ready 3/3; if it never settles, the last roles
   * seen are in the failure).
   */
  Roles awaitStandby(String worker, Duration timeout) {
    return Poll.until(
        worker + " a standby in etcd",
        timeout,
        Duration.ofSeconds(1),
        seen -> {
          Roles now = roles();
          seen.set(now + "; " + describe());
          return Optional.of(now).filter(r -> r.standbys().contains(worker));
        });
  }
}
