package dev.adapt.core.membership;

import java.util.List;

/**
 * The partitioning request the dispatcher resolves into a plan: the value under {@code spec}.
 * Exactly one of {@code splitAt} (named cut points) and {@code stages} (balanced count) is set.
 */
public record SpecRecord(
    String model, String signature, List<String> splitAt, Integer stages, long generation) {

  public SpecRecord {
    splitAt = splitAt == null ? null : List.copyOf(splitAt);
  }
}
