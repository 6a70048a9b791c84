package dev.adapt.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The CPU time of each thread of a process, from Linux's {@code /proc/<pid>/task}: the scheduler's
 * run time in nanoseconds ({@code schedstat}; a thread's {@code stat} counts in 10 ms ticks, too
 * coarse for threads that run a few milliseconds a round) and the thread's name ({@code comm}, cut
 * to 15 characters). Native threads are included (TensorFlow's, the JIT compilers), which {@code
 * ThreadMXBean} does not see.
 */
final class ThreadCpu {
  /** Linux reports process times in units of USER_HZ, which is 100 on every architecture. */
  private static final long NANOS_PER_TICK = 10_000_000;

  private ThreadCpu() {}

  /**
   * CPU time of process {@code pid} so far, threads that have ended included, to within 10 ms; 0
   * when the process is gone or the system has no {@code /proc}.
   */
  static long processNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The name in parentheses may hold spaces; utime and stime are fields 14 and 15.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * NANOS_PER_TICK;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** One thread's name and CPU time so far. */
  record Thread(String name, long nanos) {}

  /**
   * The threads of process {@code pid} by thread id; empty when the process is gone or the system
   * has no {@code /proc} (threads that end between two reads are left out).
   */
  static Map<Long, Thread> sample(long pid) {
    Map<Long, Thread> threads = new HashMap<>();
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    try (Stream<Path> list = Files.list(tasks)) {
      for (Path task : (Iterable<Path>) list::iterator) {
        try {
          String name = Files.readString(task.resolve("comm")).strip();
          String schedstat = Files.readString(task.resolve("schedstat"));
          long nanos = Long.parseLong(schedstat.substring(0, schedstat.indexOf(' ')));
          threads.put(Long.parseLong(task.getFileName().toString()), new Thread(name, nanos));
        } catch (NoSuchFileException ended) {
          // The thread ended while the others were read.
        }
      }
    } catch (IOException | RuntimeException e) {
      return Map.of();
    }
    return threads;
  }

  /**
   * CPU nanoseconds each thread used from {@code before} to {@code after}; a thread that started in
   * between counts from zero.
   */
  static Map<Long, Thread> since(Map<Long, Thread> before, Map<Long, Thread> after) {
    Map<Long, Thread> used = new HashMap<>();
    after.forEach(
        (tid, now) -> {
          Thread then = before.get(tid);
          long start = then != null ? then.nanos() : 0;
          used.put(tid, new Thread(now.name(), Math.max(0, now.nanos() - start)));
        });
    return used;
  }
}
