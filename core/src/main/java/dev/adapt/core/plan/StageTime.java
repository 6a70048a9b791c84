package dev.adapt.core.plan;

/**
 * A stage's estimated time per item on a {@link LinkModel}'s devices.
 *
 * @param stage the stage's index
 * @param computeSeconds its work on one device
 * @param inWireBytes expected wire bytes of its input
 * @param outWireBytes expected wire bytes of its output
 * @param transferSeconds the link's time for the larger of the two
 */
public record StageTime(
    int stage, double computeSeconds, long inWireBytes, long outWireBytes, double transferSeconds) {

  /** Compute and transfer overlap, so the slower sets the stage's pace. */
  public double seconds() {
    return Math.max(computeSeconds, transferSeconds);
  }

  public boolean linkBound() {
    return transferSeconds > computeSeconds;
  }
}
