package dev.adapt.operator.convergence;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.LoadFailureRecord;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.PlanStage;
import dev.adapt.core.membership.ServingRecord;
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
 *   <li>A new plan (new split points or model) is rolled out blue/green. The workers of the serving
 *       plan (the {@code serving} record the dispatcher publishes, {@link PublishedPlans}) keep
 *       their stages until a newer plan is serving: none is taken from them, their number never
 *       grows, and a stage of theirs that loses its last worker gets a spare. All other workers
 *       (standbys, surge pods if needed, workers of a plan that was overtaken before it served) are
 *       given one stage each of the published plan; once every one of its stages has a worker
 *       holding its slice it serves, all workers move to it and the surge pods go. A plan that is
 *       overtaken while it loads is abandoned; its workers move on to the newer one.
 *   <li>While no newer valid plan is published (the dispatcher is still resolving the spec, could
 *       not load the model, or rejected the split points), the serving plan keeps its layout and
 *       fails over as usual.
 *   <li>Pods built from an older template are replaced one at a time: a spare up-to-date worker
 *       joins the stage of the old pod as an extra replica, and only when it holds the slice is the
 *       old pod deleted. Old pods without a stage go at once.
 * </ul>
 *
 * <p>When etcd lost its keys (the managed etcd keeps them in an emptyDir) while a plan serves,
 * nothing is assigned until the dispatcher has published the plan again; then every worker gets
 * back the stage whose slice it holds.
 */
public final class WorkerPlanner {

  /**
   * The facts a decision rests on.
   *
   * @param layout the stages and replicas the spec asks for
   * @param specGeneration the generation of the partitioning request in etcd (the wanted plan)
   * @param snapshot the pipeline's membership, or empty when etcd could not be read
   * @param servingInLastStatus the plan in service that the last status recorded: it stands in for
   *     the {@code serving} record only while etcd lacks it
   * @param ordinalOf the ordinal of a worker id of this pipeline
   */
  public record Facts(
      StageLayout layout,
      long specGeneration,
      Optional<MembershipSnapshot> snapshot,
      List<WorkerPod> pods,
      Optional<ServingRecord> servingInLastStatus,
      Function<String, OptionalInt> ordinalOf,
      Function<Integer, String> nameOf) {}

  private WorkerPlanner() {}

  public static WorkerPlan plan(Facts facts) {
    List<WorkerPod> usable = facts.pods().stream().filter(WorkerPod::usable).toList();
    if (facts.snapshot().isEmpty() || !facts.snapshot().get().synced()) {
      List<String> names =
          podNames(facts, usable, Set.of(), Map.of(), facts.layout().workersWanted());
      return new WorkerPlan(
          names,
          Optional.empty(),
          WorkerPlan.activity(Reason.WaitingForEtcd, "waiting for etcd"),
          facts.servingInLastStatus());
    }
    MembershipSnapshot snapshot = facts.snapshot().get();
    Map<String, WorkerRecord> live = live(usable, snapshot);
    Optional<ServingRecord> serving =
        PublishedPlans.serving(snapshot, facts.servingInLastStatus(), facts.specGeneration());
    Optional<PlanRecord> target = PublishedPlans.target(serving, snapshot);
    if (serving.isPresent() && snapshot.plan().isEmpty()) {
      // Only the dispatcher writes the plan key and nothing deletes it: etcd lost its keys (the
      // managed etcd keeps them in an emptyDir). Its PlanKeeper publishes the plan again; until
      // then the slices of the stages are unknown, and assignments made now would move them.
      List<String> names =
          podNames(facts, usable, Set.of(), Map.of(), facts.layout().workersWanted());
      return new WorkerPlan(
          names,
          Optional.empty(),
          WorkerPlan.activity(
              Reason.WaitingForPlan,
              "etcd lost its keys; waiting for the dispatcher to publish plan generation "
                  + serving.get().generation()
                  + " again"),
          serving);
    }
    if (target.isPresent() && serving.isPresent()) {
      return rollOut(facts, usable, live, snapshot, serving.get(), target.get());
    }
    if (target.isPresent()) {
      // Nothing serves yet: every worker may take a stage of the published plan.
      return settle(facts, usable, live, snapshot, target.get(), Optional.empty());
    }
    if (serving.isPresent()) {
      return settle(
          facts,
          usable,
          live,
          snapshot,
          PublishedPlans.record(serving, snapshot).orElse(null),
          serving);
    }
    // Nothing served before: nothing to assign until a plan exists.
    List<String> names =
        podNames(facts, usable, Set.of(), Map.of(), facts.layout().workersWanted());
    return new WorkerPlan(
        names,
        Optional.of(new TreeMap<>()),
        waitingForPlan(facts.specGeneration(), serving, snapshot),
        serving);
  }

  /**
   * One plan for all workers: the serving one ({@code plan} is its record when the {@code plan} key
   * still holds it, else null), or with nothing serving yet, the published one.
   */
  private static WorkerPlan settle(
      Facts facts,
      List<WorkerPod> usable,
      Map<String, WorkerRecord> live,
      MembershipSnapshot snapshot,
      PlanRecord plan,
      Optional<ServingRecord> serving) {
    long generation = serving.map(ServingRecord::generation).orElseGet(() -> plan.generation());
    int stageCount = serving.map(ServingRecord::stageCount).orElseGet(() -> plan.stageCount());
    StageLayout layout = resized(facts.layout(), stageCount);
    Map<String, Assignment> current = ofGeneration(snapshot.assignments(), generation);
    Optional<WorkerPlan.Activity> planChange =
        generation == facts.specGeneration()
            ? Optional.empty()
            : waitingForPlan(facts.specGeneration(), serving, snapshot);
    List<WorkerPod> outdated = usable.stream().filter(p -> !p.upToDate()).toList();
    if (plan != null && planChange.isEmpty() && !outdated.isEmpty()) {
      return replaceOutdated(facts, usable, live, plan, layout, current, outdated, serving);
    }
    SortedMap<String, Assignment> assignments =
        StageAssigner.assign(layout, generation, live.values(), current, slices(plan, generation));
    List<String> names = podNames(facts, usable, Set.of(), assignments, layout.workersWanted());
    return new WorkerPlan(
        names,
        Optional.of(assignments),
        planChange.or(() -> activity(usable, names, assignments, layout)),
        serving);
  }

  /**
   * Blue/green: the serving plan's workers stay where they are; the others get one stage each of
   * {@code target}, with surge pods when they are too few.
   */
  private static WorkerPlan rollOut(
      Facts facts,
      List<WorkerPod> usable,
      Map<String, WorkerRecord> live,
      MembershipSnapshot snapshot,
      ServingRecord serving,
      PlanRecord target) {
    Map<String, Assignment> ofServing = ofGeneration(snapshot.assignments(), serving.generation());
    Map<String, Assignment> ofTarget = ofGeneration(snapshot.assignments(), target.generation());
    Map<String, WorkerRecord> keepers = new TreeMap<>(live);
    keepers.keySet().removeAll(ofTarget.keySet());
    StageLayout held = held(facts.layout(), serving.stageCount(), live, ofServing);
    SortedMap<String, Assignment> assignments =
        StageAssigner.assign(
            held,
            serving.generation(),
            keepers.values(),
            ofServing,
            slices(
                PublishedPlans.record(Optional.of(serving), snapshot).orElse(null),
                serving.generation()));
    Map<String, WorkerRecord> spares = new TreeMap<>(live);
    spares.keySet().removeAll(assignments.keySet());
    assignments.putAll(
        StageAssigner.assign(
            StageLayout.of(target.stageCount(), 1, 0),
            target.generation(),
            spares.values(),
            ofTarget,
            slices(target, target.generation())));
    StageLayout layout = resized(facts.layout(), target.stageCount());
    int wanted = Math.max(layout.workersWanted(), held.workersWanted() + target.stageCount());
    List<String> names = podNames(facts, usable, Set.of(), assignments, wanted);
    String message =
        "rolling workers onto plan generation "
            + target.generation()
            + " ("
            + snapshot.stagesServed(target)
            + "/"
            + target.stageCount()
            + " stages loaded) while plan generation "
            + serving.generation()
            + " serves"
            + (target.generation() < facts.specGeneration()
                ? "; then "
                    + waitingForPlan(facts.specGeneration(), Optional.empty(), snapshot)
                        .orElseThrow()
                        .message()
                : "");
    return new WorkerPlan(
        names,
        Optional.of(assignments),
        WorkerPlan.activity(Reason.RollingOutPlan, message),
        Optional.of(serving));
  }

  /**
   * The serving plan's layout while another rolls out: each stage keeps the live workers it has, up
   * to what the spec wants, and at least one; no standbys (they are spares for the new plan).
   */
  private static StageLayout held(
      StageLayout wanted,
      int stageCount,
      Map<String, WorkerRecord> live,
      Map<String, Assignment> current) {
    StageLayout layout = resized(wanted, stageCount);
    Map<Integer, Integer> replicas = new TreeMap<>();
    for (int stage = 0; stage < stageCount; stage++) {
      int index = stage;
      long holding =
          current.values().stream()
              .filter(a -> a.stage() == index && live.containsKey(a.workerId()))
              .count();
      replicas.put(stage, (int) Math.max(1, Math.min(holding, layout.replicas(stage))));
    }
    return new StageLayout(stageCount, 1, replicas, 0);
  }

  /**
   * What the pipeline waits for while the wanted plan is not published as a valid plan: the
   * dispatcher resolving the spec, a model it could not load, or split points it rejected.
   */
  private static Optional<WorkerPlan.Activity> waitingForPlan(
      long wanted, Optional<ServingRecord> serving, MembershipSnapshot snapshot) {
    String serves =
        serving.map(s -> "; plan generation " + s.generation() + " keeps serving").orElse("");
    Optional<PlanRecord> published = snapshot.plan().filter(p -> p.generation() == wanted);
    if (published.isPresent() && !published.get().isValid()) {
      return WorkerPlan.activity(
          Reason.PlanRejected, "plan generation " + wanted + " is invalid" + serves);
    }
    Optional<LoadFailureRecord> failure =
        snapshot
            .loadFailure()
            .filter(f -> f.generation() == wanted)
            .filter(f -> snapshot.plan().map(p -> p.generation() < wanted).orElse(true));
    if (failure.isPresent()) {
      return WorkerPlan.activity(
          Reason.ModelLoadFailed,
          "dispatcher "
              + failure.get().dispatcher()
              + " cannot load model "
              + failure.get().model()
              + " for plan generation "
              + wanted
              + ": "
              + failure.get().error()
              + serves);
    }
    return WorkerPlan.activity(
        Reason.WaitingForPlan,
        "waiting for the dispatcher to publish plan generation " + wanted + serves);
  }

  private static WorkerPlan replaceOutdated(
      Facts facts,
      List<WorkerPod> usable,
      Map<String, WorkerRecord> live,
      PlanRecord plan,
      StageLayout layout,
      Map<String, Assignment> current,
      List<WorkerPod> outdated,
      Optional<ServingRecord> serving) {
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
        StageAssigner.assign(
            effective, generation, remaining.values(), current, slices(plan, generation));
    List<String> names = podNames(facts, usable, retired, assignments, effective.workersWanted());
    return new WorkerPlan(
        names,
        Optional.of(assignments),
        WorkerPlan.activity(
            Reason.ReplacingPods,
            "replacing " + outdated.size() + " worker pods built from an older template"),
        serving);
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

  /** The slice of each stage of {@code plan} when it is the record of {@code generation}. */
  private static List<String> slices(PlanRecord plan, long generation) {
    if (plan == null || plan.generation() != generation || !plan.isValid()) {
      return List.of();
    }
    return plan.stages().stream().map(PlanStage::sliceSha256).toList();
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
