package dev.adapt.core.membership;

/**
 * One stage of a published plan.
 *
 * @param from the cut point the stage starts at (the model input for stage 0)
 * @param to the cut point the stage ends at (the model output for the last stage)
 * @param outputBytesPerItem bytes of this stage's output per batch item, uncompressed
 * @param sliceSha256 content hash of the stage's slice artifact
 */
public record PlanStage(
    int index,
    String from,
    String to,
    long flops,
    long paramBytes,
    long outputBytesPerItem,
    String sliceSha256) {}
