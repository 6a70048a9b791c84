package dev.adapt.operator.testing;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.EtcdMembership;
import dev.adapt.core.membership.EtcdSettings;
import dev.adapt.core.membership.LoadFailureRecord;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.PlanStage;
import dev.adapt.core.membership.ServingRecord;
import dev.adapt.core.membership.SpecRecord;
import dev.adapt.core.membership.WorkerRecord;
import dev.adapt.core.membership.WorkerRegistration;
import dev.adapt.core.membership.WorkerState;
import dev.adapt.core.testing.EtcdServer;
import dev.adapt.operator.resources.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

/**
 * Plays everything of one pipeline that runs in pods, against a real etcd: the kubelet (pods become
 * Ready), the worker processes (lease-backed registrations that load the slice of their assigned
 * stage) and the dispatcher (resolves the {@code spec} key into a {@code plan}, or reports a model
 * it cannot load under {@code loadFailure}, and publishes the plan in service under {@code
 * serving}). Only the operator is real.
 */
public final class PipelineDouble implements AutoCloseable {

  /** The cut points the double's "model" has, in order. */
  public static final List<String> CUT_POINTS =
      IntStream.rangeClosed(1, 16).mapToObj(i -> "block" + i + "_out").toList();

  private final KubernetesClient client;
  private final String namespace;
  private final String name;
  private final EtcdMembership membership;
  private final Map<String, WorkerRegistration> workers = new ConcurrentHashMap<>();
  private final Map<String, String> unloadable = new ConcurrentHashMap<>();
  private final Set<Long> heldBack = ConcurrentHashMap.newKeySet();

  public PipelineDouble(
      KubernetesClient client, String etcdEndpoint, String namespace, String name) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
    this.membership =
        EtcdMembership.connect(
            EtcdSettings.of(etcdEndpoint).withOperationTimeout(EtcdServer.TEST_CLIENT_TIMEOUT),
            namespace + "." + name);
  }

  public EtcdMembership membership() {
    return membership;
  }

  public MembershipSnapshot snapshot() {
    return membership.snapshot();
  }

  public static String slice(long generation, int stage) {
    return "sha-g" + generation + "-s" + stage;
  }

  /** One round of everything the pods would do. */
  public void step() {
    readyControllerPods();
    resolvePlan();
    runWorkers();
    switchPlans();
  }

  /** The etcd member and dispatcher pods that the real controllers created become Ready. */
  public void readyControllerPods() {
    for (String component : List.of("etcd", "dispatcher")) {
      pods(component).stream()
          .filter(p -> !Kubelet.isReady(p))
          .forEach(p -> Kubelet.setReady(client, p, true));
    }
  }

  /** Workers assigned to this plan generation do not get its slices (a slow transfer). */
  public void holdBack(long generation) {
    heldBack.add(generation);
  }

  /** From now on the dispatcher cannot load {@code model}, for this reason. */
  public void cannotLoad(String model, String error) {
    unloadable.put(model, error);
  }

  /**
   * Plays the dispatcher: answers a new spec with a plan of the same generation, or with a load
   * failure when its model {@linkplain #cannotLoad cannot be loaded}.
   */
  public void resolvePlan() {
    MembershipSnapshot snapshot = membership.snapshot();
    Optional<SpecRecord> spec = snapshot.spec();
    if (spec.isEmpty()
        || snapshot.plan().map(p -> p.generation() == spec.get().generation()).orElse(false)) {
      return;
    }
    String error = unloadable.get(spec.get().model());
    if (error == null) {
      membership.publishPlan(plan(spec.get()));
    } else if (snapshot
        .loadFailure()
        .filter(f -> f.generation() == spec.get().generation())
        .isEmpty()) {
      membership.publishLoadFailure(
          new LoadFailureRecord(
              spec.get().generation(), spec.get().model(), name + "-dispatcher-0", error));
    }
  }

  /**
   * Plays the dispatcher's switch: the published plan goes into service once every stage of it is
   * served (the dispatcher's rule, {@code ServedPlans}), and is published under {@code serving}.
   */
  public void switchPlans() {
    MembershipSnapshot snapshot = membership.snapshot();
    snapshot
        .plan()
        .filter(snapshot::servesEveryStage)
        .filter(p -> snapshot.serving().map(s -> s.generation() < p.generation()).orElse(true))
        .ifPresent(p -> membership.publishServing(ServingRecord.of(p)));
  }

  public static PlanRecord plan(SpecRecord spec) {
    List<String> cuts;
    if (spec.splitAt() != null) {
      List<String> unknown = spec.splitAt().stream().filter(n -> !CUT_POINTS.contains(n)).toList();
      if (!unknown.isEmpty()) {
        return PlanRecord.failed(
            spec.generation(),
            spec.model(),
            "hash-" + spec.generation(),
            "unknown split points " + unknown,
            CUT_POINTS);
      }
      cuts = spec.splitAt();
    } else {
      int stages = spec.stages();
      cuts =
          IntStream.range(1, stages)
              .mapToObj(i -> CUT_POINTS.get(i * CUT_POINTS.size() / stages - 1))
              .toList();
    }
    List<PlanStage> stages = new ArrayList<>();
    for (int i = 0; i <= cuts.size(); i++) {
      String from = i == 0 ? "input" : cuts.get(i - 1);
      String to = i == cuts.size() ? "output" : cuts.get(i);
      stages.add(new PlanStage(i, from, to, 1000, 100, 10, slice(spec.generation(), i)));
    }
    return new PlanRecord(
        spec.generation(),
        spec.model(),
        "hash-" + spec.generation(),
        cuts,
        stages,
        null,
        List.of());
  }

  /**
   * Plays kubelet and worker processes: worker pods become Ready and register; a registered worker
   * loads the slice of the stage it is assigned (as the dispatcher's push would make it). Workers
   * whose pod is gone stop.
   */
  public void runWorkers() {
    List<Pod> pods = pods("worker");
    for (Pod pod : pods) {
      String id = pod.getMetadata().getName();
      if (pod.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      if (!Kubelet.isReady(pod) && !workers.containsKey(id)) {
        Kubelet.setReady(client, pod, true);
      }
      workers.computeIfAbsent(
          id,
          worker ->
              membership.register(
                  new WorkerRecord(
                      worker,
                      Kubelet.podIp(pod) + ":9000",
                      "CPU",
                      WorkerState.READY,
                      List.of(),
                      0,
                      System.currentTimeMillis())));
    }
    List<String> alive = pods.stream().map(p -> p.getMetadata().getName()).toList();
    workers.keySet().stream().filter(id -> !alive.contains(id)).toList().forEach(this::stopWorker);

    MembershipSnapshot snapshot = membership.snapshot();
    workers.forEach(
        (id, registration) -> {
          Optional<Assignment> assignment =
              snapshot
                  .assignment(id)
                  .filter(a -> !a.isStandby() && !heldBack.contains(a.planGeneration()));
          if (assignment.isEmpty()) {
            return;
          }
          String wanted = slice(assignment.get().planGeneration(), assignment.get().stage());
          if (!registration.current().holds(wanted)) {
            registration.update(registration.current().withSlices(List.of(wanted)));
          }
        });
  }

  /** The worker process of this pod ends: its registration goes at once. */
  public void stopWorker(String id) {
    WorkerRegistration registration = workers.remove(id);
    if (registration != null) {
      registration.close();
    }
  }

  public List<Pod> pods(String component) {
    return client
        .pods()
        .inNamespace(namespace)
        .withLabel(Labels.INSTANCE, name)
        .withLabel(Labels.COMPONENT, component)
        .list()
        .getItems();
  }

  @Override
  public void close() {
    workers.values().forEach(WorkerRegistration::close);
    workers.clear();
    membership.close();
  }
}
