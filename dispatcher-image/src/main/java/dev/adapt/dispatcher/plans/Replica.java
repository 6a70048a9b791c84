package dev.adapt.dispatcher.plans;

/**
 * A worker that can take batches for one stage now: registered, assigned that stage, and holding
 * the stage's slice.
 *
 * @param incarnation tells apart successive processes under one worker id (their start time)
 */
public record Replica(
    String workerId, String address, int stage, String sliceSha256, long incarnation) {}
