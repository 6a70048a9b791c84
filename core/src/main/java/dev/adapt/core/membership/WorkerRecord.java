package dev.adapt.core.membership;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;
import java.util.Objects;

/**
 * What a worker announces about itself: the value under {@code workers/<workerId>}.
 *
 * @param address host:port of its gRPC server
 * @param device {@code CPU} or {@code GPU:<name>}, as TensorFlow sees it
 * @param sliceSha256 the hashes of the slices it holds, most recently loaded last
 * @param outstanding batches in flight on this worker
 * @param startedAt when the process started, epoch milliseconds
 */
public record WorkerRecord(
    String workerId,
    String address,
    String device,
    WorkerState state,
    List<String> sliceSha256,
    int outstanding,
    long startedAt) {

  public WorkerRecord {
    Objects.requireNonNull(workerId, "workerId");
    MembershipKeys.requireValidId(workerId);
    Objects.requireNonNull(state, "state");
    sliceSha256 = sliceSha256 == null ? List.of() : List.copyOf(sliceSha256);
  }

  @JsonIgnore
  public boolean isReady() {
    return state == WorkerState.READY;
  }

  /** READY, or LOADING another slice while still serving the ones it holds. */
  @JsonIgnore
  public boolean isServing() {
    return state == WorkerState.READY || state == WorkerState.LOADING;
  }

  public boolean holds(String sha256) {
    return sliceSha256.contains(sha256);
  }

  public WorkerRecord withState(WorkerState newState) {
    return new WorkerRecord(
        workerId, address, device, newState, sliceSha256, outstanding, startedAt);
  }

  public WorkerRecord withSlices(List<String> held) {
    return new WorkerRecord(workerId, address, device, state, held, outstanding, startedAt);
  }

  public WorkerRecord withOutstanding(int inFlight) {
    return new WorkerRecord(workerId, address, device, state, sliceSha256, inFlight, startedAt);
  }
}
