package dev.adapt.dispatcher.plans;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The ready replicas of every stage of one plan and the dispatcher's own count of batches in flight
 * on each worker. Routes take, per stage, the replica with the least outstanding work. A worker
 * whose hop failed is quarantined for a while so that no batch is sent to it until membership
 * catches up. Tables of several plan generations share one {@link WorkerLoad}, so that counts and
 * quarantines follow a worker from one plan to the next.
 */
public final class ReplicaTable {
  private volatile List<List<Replica>> byStage = List.of();
  private final Map<String, AtomicInteger> outstanding;
  private final Map<String, WorkerLoad.Quarantine> quarantined;
  private final AtomicInteger tieBreak = new AtomicInteger();
  private CompletableFuture<Void> changed = new CompletableFuture<>();

  public ReplicaTable() {
    this(new WorkerLoad());
  }

  ReplicaTable(WorkerLoad load) {
    this.outstanding = load.outstanding;
    this.quarantined = load.quarantined;
  }

  /** Replaces the replicas; {@code stages} lists each stage's ready replicas in stage order. */
  public void update(List<List<Replica>> stages) {
    List<List<Replica>> copy = new ArrayList<>();
    for (List<Replica> replicas : stages) {
      copy.add(List.copyOf(replicas));
    }
    byStage = List.copyOf(copy);
    // A new process under a quarantined id is a fresh start.
    quarantined
        .entrySet()
        .removeIf(
            e ->
                stages.stream()
                    .flatMap(List::stream)
                    .anyMatch(
                        r ->
                            r.workerId().equals(e.getKey())
                                && r.incarnation() != e.getValue().incarnation()));
    signal();
  }

  public int stageCount() {
    return byStage.size();
  }

  public List<List<Replica>> replicas() {
    return byStage;
  }

  /** Every stage has at least one replica that is not quarantined. */
  public boolean ready() {
    List<List<Replica>> stages = byStage;
    if (stages.isEmpty()) {
      return false;
    }
    long now = System.nanoTime();
    return stages.stream().allMatch(s -> s.stream().anyMatch(r -> !quarantined(r, now)));
  }

  /**
   * Picks one replica per stage, avoiding {@code avoid} where the stage has another choice. Empty
   * when some stage has no replica outside quarantine.
   */
  public Optional<List<Replica>> route(Set<String> avoid) {
    List<List<Replica>> stages = byStage;
    if (stages.isEmpty()) {
      return Optional.empty();
    }
    long now = System.nanoTime();
    List<Replica> route = new ArrayList<>(stages.size());
    int offset = tieBreak.getAndIncrement();
    for (List<Replica> replicas : stages) {
      Replica best = null;
      int bestLoad = Integer.MAX_VALUE;
      boolean bestAvoided = true;
      for (int i = 0; i < replicas.size(); i++) {
        Replica candidate = replicas.get(Math.floorMod(offset + i, replicas.size()));
        if (quarantined(candidate, now)) {
          continue;
        }
        boolean avoided = avoid.contains(candidate.workerId());
        int load = load(candidate.workerId());
        if (best == null
            || (bestAvoided && !avoided)
            || (avoided == bestAvoided && load < bestLoad)) {
          best = candidate;
          bestLoad = load;
          bestAvoided = avoided;
        }
      }
      if (best == null) {
        return Optional.empty();
      }
      route.add(best);
    }
    return Optional.of(route);
  }

  private boolean quarantined(Replica replica, long now) {
    WorkerLoad.Quarantine q = quarantined.get(replica.workerId());
    return q != null && q.incarnation() == replica.incarnation() && now < q.untilNanos();
  }

  /**
   * Keeps batches away from a worker whose hop failed, until it restarts or the time is up. True
   * when this takes the worker out of routing (false when it already was, or is unknown).
   */
  public boolean quarantine(String workerId, long quarantineNanos) {
    long now = System.nanoTime();
    Replica replica =
        byStage.stream()
            .flatMap(List::stream)
            .filter(r -> r.workerId().equals(workerId))
            .findFirst()
            .orElse(null);
    if (replica == null) {
      return false;
    }
    boolean already = quarantined(replica, now);
    quarantined.put(
        workerId, new WorkerLoad.Quarantine(replica.incarnation(), now + quarantineNanos));
    return !already;
  }

  public int load(String workerId) {
    AtomicInteger count = outstanding.get(workerId);
    return count == null ? 0 : count.get();
  }

  public void acquire(List<Replica> route) {
    for (Replica replica : route) {
      outstanding.computeIfAbsent(replica.workerId(), id -> new AtomicInteger()).incrementAndGet();
    }
  }

  public void release(List<Replica> route) {
    for (Replica replica : route) {
      outstanding.get(replica.workerId()).decrementAndGet();
    }
  }

  /** Completes at the next change of replicas. */
  public synchronized CompletableFuture<Void> nextChange() {
    return changed;
  }

  private synchronized void signal() {
    CompletableFuture<Void> done = changed;
    changed = new CompletableFuture<>();
    done.complete(null);
  }
}
