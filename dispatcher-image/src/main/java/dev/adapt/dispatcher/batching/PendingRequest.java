package dev.adapt.dispatcher.batching;

import dev.adapt.core.tensor.HostTensor;
import java.util.concurrent.CompletableFuture;

/**
 * An admitted request, kept until its result is returned. Its future completes once: a late result
 * of a cancelled or timed-out attempt is ignored.
 */
final class PendingRequest {
  final String id;
  final HostTensor input;
  final long lane;
  final long admittedNanos;
  final long deadlineNanos;
  final CompletableFuture<HostTensor> result = new CompletableFuture<>();

  PendingRequest(String id, HostTensor input, long lane, long admittedNanos, long deadlineNanos) {
    this.id = id;
    this.input = input;
    this.lane = lane;
    this.admittedNanos = admittedNanos;
    this.deadlineNanos = deadlineNanos;
  }

  int rows() {
    return Math.toIntExact(input.dim(0));
  }

  boolean done() {
    return result.isDone();
  }
}
