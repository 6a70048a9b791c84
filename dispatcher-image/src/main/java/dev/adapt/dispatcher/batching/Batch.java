package dev.adapt.dispatcher.batching;

import dev.adapt.core.tensor.HostTensor;
import java.util.List;

/** Requests merged along the batch dimension, with the earliest and latest of their deadlines. */
public final class Batch {
  private final String id;
  private final long lane;
  private final List<PendingRequest> requests;
  private final HostTensor input;
  private final long latestDeadlineNanos;

  Batch(String id, long lane, List<PendingRequest> requests) {
    this.id = id;
    this.lane = lane;
    this.requests = List.copyOf(requests);
    this.input = HostTensor.concatBatch(requests.stream().map(r -> r.input).toList());
    this.latestDeadlineNanos =
        requests.stream().mapToLong(r -> r.deadlineNanos).max().orElse(Long.MAX_VALUE);
  }

  public String id() {
    return id;
  }

  /** The plan generation its requests were admitted under. */
  public long lane() {
    return lane;
  }

  public HostTensor input() {
    return input;
  }

  public int rows() {
    return Math.toIntExact(input.dim(0));
  }

  /** The deadline after which no request of this batch can be answered any more. */
  public long latestDeadlineNanos() {
    return latestDeadlineNanos;
  }

  /** True when every request of the batch has been answered (or given up on). */
  public boolean abandoned() {
    return requests.stream().allMatch(PendingRequest::done);
  }

  List<PendingRequest> requests() {
    return requests;
  }
}
