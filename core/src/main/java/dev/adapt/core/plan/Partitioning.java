package dev.adapt.core.plan;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How a model is to be cut: at named split points, or into a number of balanced stages. Every place
 * a request is written (the CRD, the command lines, the spec record in etcd) goes through {@link
 * #of}, so that "exactly one of the two, and that one well formed" is decided in one place.
 */
public sealed interface Partitioning permits Partitioning.AtSplitPoints, Partitioning.Balanced {

  /** The number of stages the request makes. */
  int stageCount();

  /** Cut at these points, from input to output. */
  record AtSplitPoints(List<String> names) implements Partitioning {
    public AtSplitPoints {
      names = List.copyOf(names);
    }

    @Override
    public int stageCount() {
      return names.size() + 1;
    }
  }

  /** Cut into this many stages of about equal cost. */
  record Balanced(int stages) implements Partitioning {
    @Override
    public int stageCount() {
      return stages;
    }
  }

  /**
   * What the two fields are called where the request was written, so that a problem names the field
   * the user wrote: {@code spec.partitioning.stages} in a manifest, {@code --stages} on a command
   * line.
   */
  record Fields(String prefix, String splitAt, String stages) {
    public static final Fields FLAGS = new Fields("", "--split-at", "--stages");

    String qualified(String field) {
      return prefix.isEmpty() ? field : prefix + "." + field;
    }

    String onBoth(String problem) {
      return prefix.isEmpty() ? problem : prefix + ": " + problem;
    }
  }

  /**
   * The problems of a request, each a sentence naming the field; empty when exactly one of {@code
   * splitAt} and {@code stages} is given and it is well formed. Whether the split points exist in
   * the model is for the {@link Planner}, which knows the model.
   */
  static List<String> problems(List<String> splitAt, Integer stages, Fields fields) {
    List<String> problems = new ArrayList<>();
    if ((splitAt == null) == (stages == null)) {
      problems.add(
          fields.onBoth("set exactly one of " + fields.splitAt() + " and " + fields.stages()));
      return problems;
    }
    if (stages != null) {
      if (stages < 1) {
        problems.add(fields.qualified(fields.stages()) + " must be at least 1, not " + stages);
      }
      return problems;
    }
    if (splitAt.isEmpty()) {
      problems.add(
          fields.qualified(fields.splitAt())
              + " names no split point: set "
              + fields.qualified(fields.stages())
              + " to 1 for one stage");
    }
    Set<String> seen = new HashSet<>();
    for (String name : splitAt) {
      if (name == null || name.isBlank()) {
        problems.add(fields.qualified(fields.splitAt()) + " contains an empty name");
      } else if (!seen.add(name)) {
        problems.add(fields.qualified(fields.splitAt()) + " names " + name + " twice");
      }
    }
    return problems;
  }

  /**
   * The request {@code splitAt} and {@code stages} make.
   *
   * @throws InvalidPartitioningException listing every problem {@link #problems} finds
   */
  static Partitioning of(List<String> splitAt, Integer stages, Fields fields) {
    List<String> problems = problems(splitAt, stages, fields);
    if (!problems.isEmpty()) {
      throw new InvalidPartitioningException(problems);
    }
    return splitAt != null ? new AtSplitPoints(splitAt) : new Balanced(stages);
  }
}
