package dev.adapt.core.concurrent;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The thread factory of every executor and background thread of ADAPT. Its threads are named, so
 * that a thread dump or a log line tells which pool a thread belongs to, and daemons, so that a
 * pool that was not shut down (or not yet, when the JVM is asked to exit) never keeps the process
 * alive; owners still shut their pools down in order.
 */
public final class NamedThreads implements ThreadFactory {
  private final String name;
  private final boolean numbered;
  private final AtomicInteger created = new AtomicInteger();

  private NamedThreads(String name, boolean numbered) {
    this.name = name;
    this.numbered = numbered;
  }

  /** Daemon threads all named {@code name}: for a single thread or a pool of alike threads. */
  public static NamedThreads daemon(String name) {
    return new NamedThreads(name, false);
  }

  /** Daemon threads named {@code prefix-1}, {@code prefix-2}, and so on. */
  public static NamedThreads numberedDaemons(String prefix) {
    return new NamedThreads(prefix, true);
  }

  @Override
  public Thread newThread(Runnable runnable) {
    Thread thread = new Thread(runnable, numbered ? name + "-" + created.incrementAndGet() : name);
    thread.setDaemon(true);
    return thread;
  }
}
