package dev.adapt.operator.convergence;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.StageAssigner;
import dev.adapt.core.membership.StageLayout;
import dev.adapt.core.membership.WorkerRecord;
import dev.adapt.operator.convergence.WorkerPlan.Reason;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Decides the worker pods and stage assignments of a pipeline from what is observed: a pure
 * function, so that every reconciliation reaches the same decision from the same facts.
 *
 * <p>A worker is live when its pod is Ready and it is registered in etcd; only live workers get
 * assignments ({@link StageAssigner}), so the stage of a vanished, failed or unready worker goes to
 * a ready standby at once. Missing pods are replaced under new names, never reusing one, so that a
 * stale registration can never be mistaken for the new pod.
 *
 * <p>Changes keep the pipeline serving:
 *
 * <ul>
 *   <li>A new plan generation (new split points or model) is rolled out blue/green: while live
 *       workers still serve the old generation, spare workers (surge pods if needed) are given one
 *       stage each of the new plan; once every new stage has a worker that holds its slice, all
 *       workers move to the new generation and the surge pods go.
 *   <li>Pods built from an older template are replaced one at a time: a spare up-to-date worker
 *       joins the stage of the old pod as an extra replica, and only when it holds the slice is the
 *       old pod deleted. Old pods without a stage go at once.
 * </ul>
 */
public final class WorkerPlanner {

  /**
   * The facts a decision rests on.
   *
   * @param layout the stages and replicas the spec asks for
   * @param specGeneration the generation of the partitioning request in etcd
   * @param snapshot the pipeline's membership, or empty when etcd could not be read
   * @param serving the layout that served before the current plan, used for failover while the plan
   *     for {@code specGeneration} is pending or invalid
   * @param ordinalOf the ordinal of a worker id of this pipeline
   */
  public record Facts(
      StageLayout layout,
      long specGeneration,
      Optional<MembershipSnapshot> snapshot,
      List<WorkerPod> pods,
      Optional<ServingLayout> serving,
      Function<String, OptionalInt> ordinalOf,
      Function<Integer, String> nameOf) {}

  /** A plan generation that was in service, and its number of stages. */
  public record ServingLayout(long generation, int stageCount) {}

  private WorkerPlanner() {}

  public static WorkerPlan plan(Facts facts) {
    List<WorkerPod> usable = facts.pods().stream().filter(WorkerPod::usable).toList();
    if (facts.snapshot().isEmpty() || !facts.snapshot().get().synced()) {
      List<String> names =
          podNames(facts, usable, Set.of(), Map.of(), facts.layout().workersWanted());
      return new WorkerPlan(
          names, Optional.empty(), WorkerPlan.activity(Reason.WaitingForEtcd, "waiting for etcd"));
    }
    MembershipSnapshot snapshot = facts.snapshot().get();
    Map<String, WorkerRecord> live = live(usable, snapshot);
    long generation = facts.specGeneration();
    Optional<PlanRecord> plan =
        snapshot.plan().filter(p -> p.generation() == generation && p.isValid());
    if (plan.isPresent()) {
      return withPlan(facts, usable, live, snapshot, plan.get());
    }
    Optional<WorkerPlan.Activity> waiting =
        snapshot.plan().filter(p -> p.generation() == generation).isPresent()
            ? WorkerPlan.activity(
                Reason.PlanRejected, "plan generation " + generation + " is invalid")
            : WorkerPlan.activity(
                Reason.WaitingForPlan,
                "waiting for the dispatcher to publish plan generation " + generation);
    SortedMap<String, Assignment> assignments =
        facts
            .serving()
            .filter(s -> s.stageCount() > 0)
            .map(
                s ->
                    StageAssigner.assign(
                        resized(facts.layout(), s.stageCount()),
                        s.generation(),
                        live.values(),
                        ofGeneration(snapshot.assignments(), s.generation())))
            // Nothing served before: nothing to assign until the plan exists.
            .orElseGet(TreeMap::new);
    List<String> names =
        podNames(facts, usable, Set.of(), assignments, facts.layout().workersWanted());
    return new WorkerPlan(names, Optional.of(assignments), waiting);
  }

  private static WorkerPlan withPlan(
      Facts facts,
      List<WorkerPod> usable,
      Map<String, WorkerRecord> live,
      MembershipSnapshot snapshot,
      PlanRecord plan) {
    long generation = plan.generation();
    StageLayout layout = resized(facts.layout(), plan.stageCount());
    Map<String, Assignment> current = ofGeneration(snapshot.assignments(), generation);
    Set<String> oldHolders =
        live.keySet().stream()
            .filter(
                id ->
                    snapshot
                        .assignment(id)
                        .filter(a -> !a.isStandby() && a.planGeneration() != generation)
                        .isPresent())
            .collect(Collectors.toSet());

    if (!oldHolders.isEmpty() && !everyStageServed(plan, live, current)) {
      Map<String, WorkerRecord> spares = new TreeMap<>(live);
      spares.keySet().removeAll(oldHolders);
      SortedMap<String, Assignment> assignments =
          StageAssigner.assign(
              StageLayout.of(plan.stageCount(), 1, 0), generation, spares.values(), current);
      oldHolders.forEach(id -> assignments.put(id, snapshot.assignment(id).orElseThrow()));
      int wanted = Math.max(layout.workersWanted(), oldHolders.size() + plan.stageCount());
      List<String> names = podNames(facts, usable, Set.of(), assignments, wanted);
      long served = countServedStages(plan, live, current);
      return new WorkerPlan(
          names,
          Optional.of(assignments),
          WorkerPlan.activity(
              Reason.RollingOutPlan,
              "rolling workers onto plan generation "
                  + generation
                  + " ("
                  + served
                  + "/"
                  + plan.stageCount()
                  + " stages loaded)"));
    }

    List<WorkerPod> outdated = usable.stream().filter(p -> !p.upToDate()).toList();
    if (outdated.isEmpty()) {
      SortedMap<String, Assignment> assignments =
          StageAssigner.assign(layout, generation, live.values(), current);
      List<String> names = podNames(facts, usable, Set.of(), assignments, layout.workersWanted());
      return new WorkerPlan(
          names, Optional.of(assignments), activity(usable, names, assignments, layout));
    }
    return replaceOutdated(facts, usable, live, plan, layout, current, outdated);
  }

  private static WorkerPlan replaceOutdated(
      Facts facts,
      List<WorkerPod> usable,
      Map<String, WorkerRecord> live,
      PlanRecord plan,
      StageLayout layout,
      Map<String, Assignment> current,
      List<WorkerPod> outdated) {
    long generation = plan.generation();
    Set<String> retired = new HashSet<>();
    Optional<WorkerPod> handingOver = Optional.empty();
    for (WorkerPod pod : outdated) {
      Assignment assignment = current.get(pod.name());
      boolean holdsStage =
          live.containsKey(pod.name()) && assignment != null && !assignment.isStandby();
      if (!holdsStage) {
        retired.add(pod.name());
      } else if (handingOver.isEmpty()) {
        handingOver = Optional.of(pod);
      }
    }
    StageLayout effective = layout;
    if (handingOver.isPresent()) {
      String old = handingOver.get().name();
      int stage = current.get(old).stage();
      String slice = plan.stages().get(stage).sliceSha256();
      long takenOver =
          live.values().stream()
              .filter(w -> !w.workerId().equals(old))
              .filter(w -> isUpToDate(usable, w.workerId()))
              .filter(w -> current.containsKey(w.workerId()))
              .filter(w -> current.get(w.workerId()).stage() == stage)
              .filter(w -> w.isReady() && w.holds(slice))
              .count();
      if (takenOver >= layout.replicas(stage)) {
        retired.add(old);
      } else {
        effective = layout.withReplicas(stage, layout.replicas(stage) + 1);
      }
    }
    Map<String, WorkerRecord> remaining = new TreeMap<>(live);
    remaining.keySet().removeAll(retired);
    SortedMap<String, Assignment> assignments =
        StageAssigner.assign(effective, generation, remaining.values(), current);
    List<String> names = podNames(facts, usable, retired, assignments, effective.workersWanted());
    return new WorkerPlan(
        names,
        Optional.of(assignments),
        WorkerPlan.activity(
            Reason.ReplacingPods,
            "replacing " + outdated.size() + " worker pods built from an older template"));
  }

  private static Optional<WorkerPlan.Activity> activity(
      List<WorkerPod> usable,
      List<String> names,
      Map<String, Assignment> assignments,
      StageLayout layout) {
    Set<String> existing = usable.stream().map(WorkerPod::name).collect(Collectors.toSet());
    long creating = names.stream().filter(n -> !existing.contains(n)).count();
    long removing = existing.stream().filter(n -> !names.contains(n)).count();
    List<String> parts = new ArrayList<>();
    if (creating > 0) {
      parts.add("creating " + creating + " worker pods");
    }
    if (removing > 0) {
      parts.add("removing " + removing + " worker pods");
    }
    if (!parts.isEmpty()) {
      return WorkerPlan.activity(Reason.Scaling, String.join(", ", parts));
    }
    long unplaced = layout.workersWanted() - assignments.size();
    return unplaced > 0
        ? WorkerPlan.activity(
            Reason.WaitingForWorkers, "waiting for " + unplaced + " workers to become ready")
        : Optional.empty();
  }

  /** Workers whose pod is Ready and who are registered in etcd. */
  private static Map<String, WorkerRecord> live(
      List<WorkerPod> usable, MembershipSnapshot snapshot) {
    Map<String, WorkerRecord> live = new TreeMap<>();
    for (WorkerPod pod : usable) {
      if (pod.ready()) {
        snapshot.worker(pod.name()).ifPresent(record -> live.put(pod.name(), record));
      }
    }
    return live;
  }

  private static boolean everyStageServed(
      PlanRecord plan, Map<String, WorkerRecord> live, Map<String, Assignment> current) {
    return countServedStages(plan, live, current) == plan.stageCount();
  }

  private static long countServedStages(
      PlanRecord plan, Map<String, WorkerRecord> live, Map<String, Assignment> current) {
    return plan.stages().stream()
        .filter(
            stage ->
                live.values().stream()
                    .anyMatch(
                        w ->
                            w.isReady()
                                && w.holds(stage.sliceSha256())
                                && current.containsKey(w.workerId())
                                && current.get(w.workerId()).stage() == stage.index()))
        .count();
  }

  /**
   * The pods to keep, best first: those with a stage, then standbys, then live, ready and
   * up-to-date ones, older before newer; then new names for the rest.
   */
  private static List<String> podNames(
      Facts facts,
      List<WorkerPod> usable,
      Set<String> retired,
      Map<String, Assignment> assignments,
      int wanted) {
    Comparator<WorkerPod> best =
        Comparator.comparing(
                (WorkerPod p) ->
                    !(assignments.containsKey(p.name()) && !assignments.get(p.name()).isStandby()))
            .thenComparing(p -> !assignments.containsKey(p.name()))
            .thenComparing(p -> !p.ready())
            .thenComparing(p -> !p.upToDate())
            .thenComparingInt(WorkerPod::ordinal);
    List<String> names =
        usable.stream()
            .filter(p -> !retired.contains(p.name()))
            .sorted(best)
            .limit(wanted)
            .map(WorkerPod::name)
            .collect(Collectors.toCollection(ArrayList::new));
    int next = highestOrdinal(facts) + 1;
    while (names.size() < wanted) {
      names.add(facts.nameOf().apply(next++));
    }
    return names;
  }

  /** The highest ordinal ever seen: pods, registrations and assignments all count. */
  private static int highestOrdinal(Facts facts) {
    List<String> ids = new ArrayList<>();
    facts.pods().forEach(p -> ids.add(p.name()));
    facts
        .snapshot()
        .ifPresent(
            s -> {
              ids.addAll(s.workers().keySet());
              ids.addAll(s.assignments().keySet());
            });
    return ids.stream()
        .map(facts.ordinalOf())
        .filter(OptionalInt::isPresent)
        .mapToInt(OptionalInt::getAsInt)
        .max()
        .orElse(-1);
  }

  private static boolean isUpToDate(List<WorkerPod> usable, String name) {
    return usable.stream().anyMatch(p -> p.name().equals(name) && p.upToDate());
  }

  private static Map<String, Assignment> ofGeneration(
      Map<String, Assignment> assignments, long generation) {
    return assignments.entrySet().stream()
        .filter(e -> e.getValue().planGeneration() == generation)
        .collect(
            Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
  }

  /** The layout with another stage count, keeping the overrides that still name a stage. */
  public static StageLayout resized(StageLayout layout, int stageCount) {
    if (stageCount == layout.stageCount()) {
      return layout;
    }
    Map<Integer, Integer> overrides =
        layout.replicaOverrides().entrySet().stream()
            .filter(e -> e.getKey() < stageCount)
            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    return new StageLayout(stageCount, layout.replicasPerStage(), overrides, layout.standbys());
  }
}
