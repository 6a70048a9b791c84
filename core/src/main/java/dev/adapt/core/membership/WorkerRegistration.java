package dev.adapt.core.membership;

/**
 * A worker's presence in the membership. It lasts until closed: the implementation keeps it alive
 * and restores it after outages. Closing withdraws it at once.
 */
public interface WorkerRegistration extends AutoCloseable {

  /** What is announced now. */
  WorkerRecord current();

  /** Announces a new value (state change, slice loaded, ...); written in the background. */
  void update(WorkerRecord record);

  @Override
  void close();
}
