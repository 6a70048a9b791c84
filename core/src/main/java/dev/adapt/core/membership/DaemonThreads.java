package dev.adapt.core.membership;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** Background threads of the membership: daemons, so that they never keep a JVM alive. */
final class DaemonThreads {
  private DaemonThreads() {}

  static ScheduledExecutorService single(String name) {
    return Executors.newSingleThreadScheduledExecutor(
        runnable -> {
          Thread thread = new Thread(runnable, name);
          thread.setDaemon(true);
          return thread;
        });
  }
}
