package dev.adapt.core.membership;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Objects;

/**
 * The stage a worker runs: the value under {@code assignments/<workerId>}.
 *
 * @param stage the stage index, or {@link #STANDBY} for a worker kept ready to take over a stage
 * @param planGeneration the plan generation this assignment was computed for
 */
public record Assignment(String workerId, int stage, long planGeneration) {

  public static final int STANDBY = -1;

  public Assignment {
    Objects.requireNonNull(workerId, "workerId");
    MembershipKeys.requireValidId(workerId);
    if (stage < STANDBY) {
      throw new IllegalArgumentException(
          "stage of " + workerId + " must be >= 0, or -1 for standby; got " + stage);
    }
  }

  public static Assignment standby(String workerId, long planGeneration) {
    return new Assignment(workerId, STANDBY, planGeneration);
  }

  @JsonIgnore
  public boolean isStandby() {
    return stage == STANDBY;
  }
}
