package dev.adapt.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A CPU budget of an emulated device: a cgroup (v1) in the {@code cpu} hierarchy whose CFS quota
 * allows {@code cpus} CPUs, and one of the same name in {@code cpuacct}, which counts the CPU time
 * the device's processes used. On this machine the two controllers are mounted separately, so a
 * process joins both.
 */
final class CpuQuota implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CpuQuota.class);

  static final Path CPU_ROOT = Path.of("/sys/fs/cgroup/cpu");
  static final Path CPUACCT_ROOT = Path.of("/sys/fs/cgroup/cpuacct");
  private static final long PERIOD_MICROS = 100_000;
  private static final long MIN_QUOTA_MICROS = 1_000;
  static final long SHARES = 10 * 1024;

  private final String name;
  private final double cpus;
  private final Path cpu;
  private final Path cpuacct;
  private boolean closed;

  private CpuQuota(String name, double cpus, Path cpu, Path cpuacct) {
    this.name = name;
    this.cpus = cpus;
    this.cpu = cpu;
    this.cpuacct = cpuacct;
  }

  /** Creates cgroup {@code name} in both hierarchies, limited to {@code cpus} CPUs. */
  static CpuQuota create(String name, double cpus) {
    long quota = Math.round(cpus * PERIOD_MICROS);
    if (quota < MIN_QUOTA_MICROS) {
      throw new IllegalArgumentException(
          "a device needs at least " + (double) MIN_QUOTA_MICROS / PERIOD_MICROS + " CPU");
    }
    CpuQuota created = new CpuQuota(name, cpus, CPU_ROOT.resolve(name), CPUACCT_ROOT.resolve(name));
    try {
      Files.createDirectory(created.cpu);
      Files.createDirectory(created.cpuacct);
      // The period first: the kernel checks the quota against the period in force.
      write(created.cpu.resolve("cpu.cfs_period_us"), Long.toString(PERIOD_MICROS));
      write(created.cpu.resolve("cpu.cfs_quota_us"), Long.toString(quota));
      // The quota is a ceiling; a device should also get it when the host is busy, as a real one
      // would have its own CPU. Ten times the default weight puts the device before the host's
      // ordinary processes until it reaches its quota (which bounds what it can take from them).
      write(created.cpu.resolve("cpu.shares"), Long.toString(SHARES));
    } catch (IOException | RuntimeException e) {
      created.close();
      throw new IllegalStateException("cannot create the cgroup " + name + ": " + e, e);
    }
    log.debug("cgroup {} limited to {} CPU", name, cpus);
    return created;
  }

  String name() {
    return name;
  }

  double cpus() {
    return cpus;
  }

  /**
   * A shell command (for {@code sh -c}) that moves the shell into both cgroups; what the shell then
   * {@code exec}s, and everything that starts, is inside them from its first instruction.
   */
  String joinCommand() {
    return "echo $$ > "
        + cpu.resolve("cgroup.procs")
        + " && echo $$ > "
        + cpuacct.resolve("cgroup.procs");
  }

  /** CPU time used by the processes of this cgroup (and those that left it), in nanoseconds. */
  long usageNanos() {
    try {
      return Long.parseLong(Files.readString(cpuacct.resolve("cpuacct.usage")).strip());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the CPU usage of cgroup " + name, e);
    }
  }

  /** The CFS quota in force, in microseconds per period. */
  long quotaMicros() throws IOException {
    return Long.parseLong(Files.readString(cpu.resolve("cpu.cfs_quota_us")).strip());
  }

  /** The cgroup's CPU weight against its siblings. */
  long shares() throws IOException {
    return Long.parseLong(Files.readString(cpu.resolve("cpu.shares")).strip());
  }

  /** Processes in the {@code cpu} cgroup, the one that limits them. */
  List<Long> pids() {
    return pids(cpu);
  }

  /** Processes in the {@code cpuacct} cgroup, the one that counts them. */
  List<Long> accountedPids() {
    return pids(cpuacct);
  }

  /**
   * Kills any process still in the cgroups (by PID: only what was started in them can be there) and
   * removes both. Safe to call twice.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Path group : List.of(cpu, cpuacct)) {
      if (Files.isDirectory(group)) {
        killAll(group);
        remove(group);
      }
    }
  }

  private void killAll(Path group) {
    for (long pid : pids(group)) {
      Optional<ProcessHandle> process = ProcessHandle.of(pid);
      process.ifPresent(
          p -> {
            log.warn("process {} is still in cgroup {}; killing it", pid, name);
            p.destroyForcibly();
          });
    }
  }

  /** rmdir, retried while killed processes finish leaving the group. */
  private void remove(Path group) {
    for (int attempt = 0; ; attempt++) {
      try {
        Files.delete(group);
        return;
      } catch (IOException e) {
        if (attempt >= 50) {
          log.warn("cannot remove cgroup {}: {}; processes in it: {}", group, e, pids(group));
          return;
        }
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        log.warn("interrupted while removing cgroup {}", group);
        return;
      }
    }
  }

  private static List<Long> pids(Path group) {
    try {
      return Files.readAllLines(group.resolve("cgroup.procs")).stream()
          .filter(line -> !line.isBlank())
          .map(line -> Long.parseLong(line.strip()))
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static void write(Path file, String value) throws IOException {
    Files.writeString(file, value);
  }
}
