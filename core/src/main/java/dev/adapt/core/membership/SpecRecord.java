package dev.adapt.core.membership;

import dev.adapt.core.model.ModelSource;
import dev.adapt.core.plan.Partitioning;
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

  /** The record of a request for {@code source}, cut as {@code partitioning} says. */
  public static SpecRecord of(ModelSource source, Partitioning partitioning, long generation) {
    return partitioning instanceof Partitioning.AtSplitPoints at
        ? new SpecRecord(source.uri(), source.signature(), at.names(), null, generation)
        : new SpecRecord(
            source.uri(), source.signature(), null, partitioning.stageCount(), generation);
  }

  private static final Partitioning.Fields FIELDS =
      new Partitioning.Fields("spec", "splitAt", "stages");

  /**
   * The request this record makes.
   *
   * @throws dev.adapt.core.plan.InvalidPartitioningException when it sets neither or both fields,
   *     or a bad one
   */
  public Partitioning partitioning() {
    return Partitioning.of(splitAt, stages, FIELDS);
  }
}
