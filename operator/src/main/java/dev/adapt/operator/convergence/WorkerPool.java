package dev.adapt.operator.convergence;

import dev.adapt.core.membership.Assignment;
import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.PlanStage;
import dev.adapt.core.membership.StageLayout;
import dev.adapt.core.membership.WorkerRecord;
import dev.adapt.operator.convergence.WorkerPlanner.Facts;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The worker pods and live workers one decision works with, and the choice of pods to keep or
 * create. A worker is live when its pod is Ready and it is registered in etcd.
 */
final class WorkerPool {
  private final Facts facts;
  private final List<WorkerPod> usable;
  private final Map<String, WorkerRecord> live = new TreeMap<>();

  WorkerPool(Facts facts) {
    this.facts = facts;
    this.usable = facts.pods().stream().filter(WorkerPod::usable).toList();
    facts
        .snapshot()
        .filter(MembershipSnapshot::synced)
        .ifPresent(
            snapshot -> {
              for (WorkerPod pod : usable) {
                if (pod.ready()) {
                  snapshot.worker(pod.name()).ifPresent(record -> live.put(pod.name(), record));
                }
              }
            });
  }

  Facts facts() {
    return facts;
  }

  /** The membership; only for states that were read from one. */
  MembershipSnapshot snapshot() {
    return facts.snapshot().orElseThrow();
  }

  List<WorkerPod> usable() {
    return usable;
  }

  /** Live workers by id, sorted. */
  Map<String, WorkerRecord> live() {
    return live;
  }

  boolean isUpToDate(String name) {
    return usable.stream().anyMatch(p -> p.name().equals(name) && p.upToDate());
  }

  /** {@code wanted} pods, none of them holding a stage yet. */
  List<String> names(int wanted) {
    return names(Set.of(), Map.of(), wanted);
  }

  /**
   * The pods to keep, best first: those with a stage, then standbys, then live, ready and
   * up-to-date ones, older before newer; then new names for the rest.
   */
  List<String> names(Set<String> retired, Map<String, Assignment> assignments, int wanted) {
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
    int next = highestOrdinal() + 1;
    while (names.size() < wanted) {
      names.add(facts.nameOf().apply(next++));
    }
    return names;
  }

  /** Pods to create or remove, else workers still to become ready; empty when neither. */
  Optional<WorkerPlan.Activity> progress(
      List<String> names, Map<String, Assignment> assignments, StageLayout layout) {
    Set<String> existing = usable.stream().map(WorkerPod::name).collect(Collectors.toSet());
    long creating = names.stream().filter(n -> !existing.contains(n)).count();
    long removing = existing.stream().filter(n -> !names.contains(n)).count();
    if (creating > 0 || removing > 0) {
      return Optional.of(PlanActivities.scaling(creating, removing));
    }
    long unplaced = layout.workersWanted() - assignments.size();
    return unplaced > 0
        ? Optional.of(PlanActivities.waitingForWorkers(unplaced))
        : Optional.empty();
  }

  /** The highest ordinal ever seen: pods, registrations and assignments all count. */
  private int highestOrdinal() {
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

  /** The slice of each stage of {@code plan} when it is the valid record of {@code generation}. */
  static List<String> slices(Optional<PlanRecord> plan, long generation) {
    return plan.filter(p -> p.generation() == generation && p.isValid())
        .map(p -> p.stages().stream().map(PlanStage::sliceSha256).toList())
        .orElse(List.of());
  }

  static Map<String, Assignment> ofGeneration(
      Map<String, Assignment> assignments, long generation) {
    return assignments.entrySet().stream()
        .filter(e -> e.getValue().planGeneration() == generation)
        .collect(
            Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
  }
}
