package dev.adapt.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What device emulation needs from the host, checked before anything is created so that a missing
 * piece is named instead of failing half-way: root (namespaces, queueing disciplines and cgroups
 * are root's), {@code ip} and {@code tc} on the PATH, and writable cgroup-v1 {@code cpu} and {@code
 * cpuacct} hierarchies.
 */
final class DevicePrerequisites {
  private DevicePrerequisites() {}

  /**
   * @throws IllegalStateException listing everything that is missing
   */
  static void check() {
    List<String> missing = missing();
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          "device emulation needs " + String.join("; ", missing) + " (see docs/benchmarks.md)");
    }
  }

  /** Why emulation cannot run here, or nothing when it can. */
  static List<String> missing() {
    List<String> missing = new ArrayList<>();
    if (!isRoot()) {
      missing.add("root (it creates network namespaces, tc qdiscs and cgroups); run it as root");
    }
    for (String tool : List.of("ip", "tc", "sh")) {
      if (onPath(tool) == null) {
        missing.add("`" + tool + "` on the PATH (iproute2)");
      }
    }
    for (Path file :
        List.of(
            CpuQuota.CPU_ROOT.resolve("cpu.cfs_quota_us"),
            CpuQuota.CPUACCT_ROOT.resolve("cpuacct.usage"))) {
      if (!Files.exists(file)) {
        missing.add("cgroup v1 mounted at " + file.getParent() + " (no " + file + ")");
      }
    }
    return missing;
  }

  /** Whether this process runs with user id 0 (read from /proc, which needs no native call). */
  static boolean isRoot() {
    try {
      return Files.readAllLines(Path.of("/proc/self/status")).stream()
          .filter(line -> line.startsWith("Uid:"))
          .anyMatch(line -> line.split("\\s+")[2].equals("0"));
    } catch (IOException e) {
      return false;
    }
  }

  static Path onPath(String tool) {
    String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    for (String dir : path.split(":")) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, tool);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }
}
