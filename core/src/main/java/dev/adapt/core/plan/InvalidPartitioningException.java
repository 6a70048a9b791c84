package dev.adapt.core.plan;

import java.util.List;

/**
 * A partitioning request that names neither or both of split points and a stage count, or a bad
 * one.
 */
public class InvalidPartitioningException extends InvalidPlanException {
  private final List<String> problems;

  public InvalidPartitioningException(List<String> problems) {
    super(String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  /** Each problem, a sentence naming the field. */
  public List<String> problems() {
    return problems;
  }
}
