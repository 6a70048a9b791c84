package dev.adapt.core.membership;

import java.util.Map;
import java.util.TreeMap;

/**
 * How many workers each stage wants, and how many standbys to keep.
 *
 * @param replicasPerStage replicas of every stage not named in {@code replicaOverrides}
 * @param replicaOverrides replicas by stage index, for stages that want a different number
 * @param standbys workers kept without a stage, ready to take over one at once
 */
public record StageLayout(
    int stageCount, int replicasPerStage, Map<Integer, Integer> replicaOverrides, int standbys) {

  public StageLayout {
    if (stageCount < 0) {
      throw new IllegalArgumentException("stage count must not be negative: " + stageCount);
    }
    if (replicasPerStage < 1) {
      throw new IllegalArgumentException("replicas per stage must be >= 1: " + replicasPerStage);
    }
    if (standbys < 0) {
      throw new IllegalArgumentException("standbys must not be negative: " + standbys);
    }
    replicaOverrides = Map.copyOf(replicaOverrides == null ? Map.of() : replicaOverrides);
    replicaOverrides.forEach(
        (stage, replicas) -> {
          if (stage < 0 || stage >= stageCount) {
            throw new IllegalArgumentException(
                "replica override for stage " + stage + " but there are " + stageCount + " stages");
          }
          if (replicas < 1) {
            throw new IllegalArgumentException(
                "stage " + stage + " must have at least one replica, not " + replicas);
          }
        });
  }

  public static StageLayout of(int stageCount, int replicasPerStage, int standbys) {
    return new StageLayout(stageCount, replicasPerStage, Map.of(), standbys);
  }

  public StageLayout withReplicas(int stage, int replicas) {
    Map<Integer, Integer> overrides = new TreeMap<>(replicaOverrides);
    overrides.put(stage, replicas);
    return new StageLayout(stageCount, replicasPerStage, overrides, standbys);
  }

  public int replicas(int stage) {
    return replicaOverrides.getOrDefault(stage, replicasPerStage);
  }

  /** Workers the layout needs in all: every replica of every stage plus the standbys. */
  public int workersWanted() {
    int total = standbys;
    for (int stage = 0; stage < stageCount; stage++) {
      total += replicas(stage);
    }
    return total;
  }
}
