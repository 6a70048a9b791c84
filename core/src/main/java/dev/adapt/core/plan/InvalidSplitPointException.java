package dev.adapt.core.plan;

import java.util.List;

/**
 * A split point that names no tensor, or a tensor that is not a valid cut point (a skip connection
 * crosses it). The message names the split point and the nearest valid cut points.
 */
public class InvalidSplitPointException extends InvalidPlanException {
  private final String splitPoint;
  private final List<String> nearestValid;

  public InvalidSplitPointException(String splitPoint, String reason, List<String> nearestValid) {
    super(
        "invalid split point '"
            + splitPoint
            + "': "
            + reason
            + (nearestValid.isEmpty()
                ? ""
                : "; nearest valid cut points: " + String.join(", ", nearestValid)));
    this.splitPoint = splitPoint;
    this.nearestValid = List.copyOf(nearestValid);
  }

  /** The split point as it was written. */
  public String splitPoint() {
    return splitPoint;
  }

  /** Valid cut points near the invalid one (in the graph, or by name). */
  public List<String> nearestValid() {
    return nearestValid;
  }
}
