package dev.adapt.core.membership;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The membership of one pipeline: which workers are live, which stage each runs, the plan, the plan
 * in service and the spec. Implemented over etcd ({@link EtcdMembership}) and, for the local
 * launcher, over the processes it started ({@link StaticMembership}).
 *
 * <p>Writers throw {@link MembershipUnavailableException} when the store cannot be reached in time.
 * The observed state is level-triggered: listeners get whole snapshots, never deltas, and miss
 * nothing that is still true.
 */
public interface Membership extends AutoCloseable {

  String pipeline();

  /** Announces this worker until the returned registration is closed. */
  WorkerRegistration register(WorkerRecord self);

  /** The latest known state; {@link MembershipSnapshot#synced()} is false until first read. */
  MembershipSnapshot snapshot();

  /**
   * Calls {@code listener} with the current snapshot and then with each changed one, one call at a
   * time and in order. Listeners must return quickly.
   */
  Subscription subscribe(Consumer<MembershipSnapshot> listener);

  /** Writes these assignments (all or none). */
  void putAssignments(Collection<Assignment> assignments);

  /** Removes the assignments of these workers (all or none). */
  void deleteAssignments(Collection<String> workerIds);

  /** Publishes the resolved plan. */
  void publishPlan(PlanRecord plan);

  /**
   * Publishes the plan in service, unless the store already holds that generation or a newer one:
   * the generation never goes down, whichever writer comes last.
   *
   * @return whether {@code serving} was written
   */
  boolean publishServing(ServingRecord serving);

  /** Writes the partitioning request. */
  void putSpec(SpecRecord spec);

  /** Reports that a dispatcher could not load the model of a spec generation. */
  void publishLoadFailure(LoadFailureRecord failure);

  @Override
  void close();

  /**
   * Makes the stored assignments equal {@code desired}: writes those that differ from the current
   * snapshot and deletes those absent from {@code desired}.
   */
  default void applyAssignments(Map<String, Assignment> desired) {
    Map<String, Assignment> current = snapshot().assignments();
    List<Assignment> changed = new ArrayList<>();
    desired.forEach(
        (id, assignment) -> {
          if (!Objects.equals(current.get(id), assignment)) {
            changed.add(assignment);
          }
        });
    List<String> removed =
        current.keySet().stream().filter(id -> !desired.containsKey(id)).toList();
    if (!changed.isEmpty()) {
      putAssignments(changed);
    }
    if (!removed.isEmpty()) {
      deleteAssignments(removed);
    }
  }

  /** Waits until a snapshot satisfies {@code condition} and returns it. */
  default MembershipSnapshot await(Predicate<MembershipSnapshot> condition, Duration timeout)
      throws InterruptedException, TimeoutException {
    CompletableFuture<MembershipSnapshot> match = new CompletableFuture<>();
    try (Subscription ignored =
        subscribe(
            snapshot -> {
              if (condition.test(snapshot)) {
                match.complete(snapshot);
              }
            })) {
      return match.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("membership listener failed", e.getCause());
    } catch (TimeoutException e) {
      throw new TimeoutException(
          "no membership snapshot matched within " + timeout + "; last: " + snapshot());
    }
  }
}
