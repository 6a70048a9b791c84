package dev.adapt.core.membership;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An immutable view of a pipeline's membership at one point: live workers, assignments, plan, the
 * plan in service, spec and the last load failure. Maps are sorted by worker id.
 */
public final class MembershipSnapshot {
  private static final MembershipSnapshot EMPTY =
      new MembershipSnapshot(false, 0, Map.of(), Map.of(), null, null, null, null);

  private final boolean synced;
  private final long revision;
  private final SortedMap<String, WorkerRecord> workers;
  private final SortedMap<String, Assignment> assignments;
  private final PlanRecord plan;
  private final ServingRecord serving;
  private final SpecRecord spec;
  private final LoadFailureRecord loadFailure;

  public MembershipSnapshot(
      boolean synced,
      long revision,
      Map<String, WorkerRecord> workers,
      Map<String, Assignment> assignments,
      PlanRecord plan,
      SpecRecord spec) {
    this(synced, revision, workers, assignments, plan, spec, null);
  }

  public MembershipSnapshot(
      boolean synced,
      long revision,
      Map<String, WorkerRecord> workers,
      Map<String, Assignment> assignments,
      PlanRecord plan,
      SpecRecord spec,
      LoadFailureRecord loadFailure) {
    this(synced, revision, workers, assignments, plan, null, spec, loadFailure);
  }

  MembershipSnapshot(
      boolean synced,
      long revision,
      Map<String, WorkerRecord> workers,
      Map<String, Assignment> assignments,
      PlanRecord plan,
      ServingRecord serving,
      SpecRecord spec,
      LoadFailureRecord loadFailure) {
    this.synced = synced;
    this.revision = revision;
    this.workers = Collections.unmodifiableSortedMap(new TreeMap<>(workers));
    this.assignments = Collections.unmodifiableSortedMap(new TreeMap<>(assignments));
    this.plan = plan;
    this.serving = serving;
    this.spec = spec;
    this.loadFailure = loadFailure;
  }

  /** The snapshot before anything was read. */
  public static MembershipSnapshot empty() {
    return EMPTY;
  }

  /** False until the membership has been read once; an unsynced snapshot is empty. */
  public boolean synced() {
    return synced;
  }

  /** The etcd revision this snapshot reflects (a counter of changes for the static membership). */
  public long revision() {
    return revision;
  }

  /** Registered (live) workers by id. */
  public SortedMap<String, WorkerRecord> workers() {
    return workers;
  }

  /** Assignments by worker id; may name workers that are no longer live. */
  public SortedMap<String, Assignment> assignments() {
    return assignments;
  }

  public Optional<PlanRecord> plan() {
    return Optional.ofNullable(plan);
  }

  /** The plan in service, as the dispatcher published it; empty before any plan served. */
  public Optional<ServingRecord> serving() {
    return Optional.ofNullable(serving);
  }

  /** This snapshot with {@code record} as the plan in service. */
  public MembershipSnapshot withServing(ServingRecord record) {
    return new MembershipSnapshot(
        synced, revision, workers, assignments, plan, record, spec, loadFailure);
  }

  public Optional<SpecRecord> spec() {
    return Optional.ofNullable(spec);
  }

  /** The last model load failure a dispatcher reported; it may be older than the plan. */
  public Optional<LoadFailureRecord> loadFailure() {
    return Optional.ofNullable(loadFailure);
  }

  /** This snapshot without its load failure, for a reader that cannot trust the reporter. */
  public MembershipSnapshot withoutLoadFailure() {
    return loadFailure == null
        ? this
        : new MembershipSnapshot(synced, revision, workers, assignments, plan, serving, spec, null);
  }

  public Optional<WorkerRecord> worker(String workerId) {
    return Optional.ofNullable(workers.get(workerId));
  }

  public Optional<Assignment> assignment(String workerId) {
    return Optional.ofNullable(assignments.get(workerId));
  }

  /**
   * Workers that can take batches for {@code stage} now: live, serving (READY, or LOADING another
   * slice), assigned to the stage and holding the slice the plan names for it.
   */
  public List<WorkerRecord> servingReplicas(int stage) {
    Optional<String> slice =
        plan()
            .filter(p -> stage >= 0 && stage < p.stageCount())
            .map(p -> p.stages().get(stage).sliceSha256());
    if (slice.isEmpty()) {
      return List.of();
    }
    return workers.values().stream()
        .filter(WorkerRecord::isServing)
        .filter(w -> w.holds(slice.get()))
        .filter(w -> assignment(w.workerId()).map(a -> a.stage() == stage).orElse(false))
        .toList();
  }

  /**
   * The workers that serve {@code stage} of {@code plan}: registered READY with an address,
   * assigned that stage of that plan's generation, and announcing the stage's slice. The dispatcher
   * routes a plan's batches to these workers only, and takes a plan into service once every stage
   * has one; the operator keeps a plan's workers until a newer plan is in service by the same rule.
   */
  public List<WorkerRecord> replicas(PlanRecord plan, int stage) {
    if (stage < 0 || stage >= plan.stageCount()) {
      return List.of();
    }
    String slice = plan.stages().get(stage).sliceSha256();
    return workers.values().stream()
        .filter(WorkerRecord::isReady)
        .filter(w -> w.address() != null && w.holds(slice))
        .filter(
            w ->
                assignment(w.workerId())
                    .map(a -> a.stage() == stage && a.planGeneration() == plan.generation())
                    .orElse(false))
        .toList();
  }

  /** How many stages of {@code plan} have a worker that serves them ({@link #replicas}). */
  public int stagesServed(PlanRecord plan) {
    int served = 0;
    for (int stage = 0; stage < plan.stageCount(); stage++) {
      if (!replicas(plan, stage).isEmpty()) {
        served++;
      }
    }
    return served;
  }

  /** A valid plan whose every stage has a worker that serves it. */
  public boolean servesEveryStage(PlanRecord plan) {
    return plan.isValid() && plan.stageCount() > 0 && stagesServed(plan) == plan.stageCount();
  }

  /** Ids of workers live in {@code previous} and gone from this snapshot. */
  public Set<String> workersGoneSince(MembershipSnapshot previous) {
    Set<String> gone = new TreeSet<>(previous.workers.keySet());
    gone.removeAll(workers.keySet());
    return gone;
  }

  /** Same content, ignoring the revision. */
  boolean sameContent(MembershipSnapshot other) {
    return synced == other.synced
        && workers.equals(other.workers)
        && assignments.equals(other.assignments)
        && Objects.equals(plan, other.plan)
        && Objects.equals(serving, other.serving)
        && Objects.equals(spec, other.spec)
        && Objects.equals(loadFailure, other.loadFailure);
  }

  @Override
  public String toString() {
    return "MembershipSnapshot[revision="
        + revision
        + ", workers="
        + workers.keySet()
        + ", assignments="
        + assignments.values()
        + ", plan="
        + plan().map(p -> "generation " + p.generation()).orElse("none")
        + ", serving="
        + serving().map(p -> "generation " + p.generation()).orElse("none")
        + "]";
  }
}
