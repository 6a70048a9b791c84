package dev.adapt.core.plan;

/**
 * A partitioning request that no plan of the model satisfies: a split point that is no valid cut
 * point, a stage count the model cannot be cut into, or a request that names neither or both of
 * split points and a stage count ({@link InvalidPartitioningException}). The fault lies with the
 * spec (an InvalidSpec for the operator), never with the system.
 */
public class InvalidPlanException extends IllegalArgumentException {
  public InvalidPlanException(String message) {
    super(message);
  }
}
