package dev.adapt.core.membership;

/** Stops the notifications of one listener. */
public interface Subscription extends AutoCloseable {
  @Override
  void close();
}
