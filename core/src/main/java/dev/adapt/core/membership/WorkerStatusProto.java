package dev.adapt.core.membership;

import dev.adapt.proto.v1.WorkerStatus;

/** Converts between {@link WorkerRecord} and the worker's {@code Status} reply. */
public final class WorkerStatusProto {
  private WorkerStatusProto() {}

  public static WorkerStatus toProto(WorkerRecord record) {
    return WorkerStatus.newBuilder()
        .setWorkerId(record.workerId())
        .setDevice(record.device() == null ? "" : record.device())
        .setState(toProto(record.state()))
        .addAllSliceSha256(record.sliceSha256())
        .setOutstanding(record.outstanding())
        .setStartedAt(record.startedAt())
        .build();
  }

  /** The record of a worker that answered {@code status} at {@code address}. */
  public static WorkerRecord fromProto(WorkerStatus status, String address) {
    return new WorkerRecord(
        status.getWorkerId(),
        address,
        status.getDevice(),
        fromProto(status.getState()),
        status.getSliceSha256List(),
        status.getOutstanding(),
        status.getStartedAt());
  }

  public static dev.adapt.proto.v1.WorkerState toProto(WorkerState state) {
    return switch (state) {
      case STARTING -> dev.adapt.proto.v1.WorkerState.WORKER_STATE_STARTING;
      case READY -> dev.adapt.proto.v1.WorkerState.WORKER_STATE_READY;
      case LOADING -> dev.adapt.proto.v1.WorkerState.WORKER_STATE_LOADING;
      case DRAINING -> dev.adapt.proto.v1.WorkerState.WORKER_STATE_DRAINING;
    };
  }

  public static WorkerState fromProto(dev.adapt.proto.v1.WorkerState state) {
    return switch (state) {
      case WORKER_STATE_STARTING -> WorkerState.STARTING;
      case WORKER_STATE_READY -> WorkerState.READY;
      case WORKER_STATE_LOADING -> WorkerState.LOADING;
      case WORKER_STATE_DRAINING -> WorkerState.DRAINING;
      case WORKER_STATE_UNSPECIFIED, UNRECOGNIZED ->
          throw new IllegalArgumentException("worker reported no known state: " + state);
    };
  }
}
