package dev.adapt.dispatcher;

import java.util.concurrent.ThreadFactory;

/** Thread factories for the dispatcher's background pools; their threads never hold up exit. */
final class DaemonThreads {
  private DaemonThreads() {}

  static ThreadFactory named(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}
