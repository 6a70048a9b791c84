package dev.adapt.operator.testing;

import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Locates the Kubernetes binaries that {@code scripts/k8s-test-binaries.sh} builds, in the layout
 * kube-api-test reads: {@code $KUBE_API_TEST_DIR/k8s/<X.Y.Z>-<os>-<arch>/}.
 *
 * <p>Tests must never fall back to kube-api-test's download (the build machines cannot reach the
 * release sites), so a missing installation fails with the command that fixes it.
 */
public final class KubeApiTestBinaries {

  public static final String KUBE_API_SERVER = "kube-apiserver";
  public static final String ETCD = "etcd";
  public static final String KUBECTL = "kubectl";
  public static final String KUBE_CONTROLLER_MANAGER = "kube-controller-manager";

  private static final List<String> REQUIRED =
      List.of(KUBE_API_SERVER, ETCD, KUBECTL, KUBE_CONTROLLER_MANAGER);
  private static final String FIX =
      "run scripts/k8s-test-binaries.sh from the repository root to build them"
          + " (see docs/development.md, section 'Kubernetes test binaries')";

  private static final Comparator<String> VERSION_ORDER =
      Comparator.comparingInt((String v) -> part(v, 0))
          .thenComparingInt(v -> part(v, 1))
          .thenComparingInt(v -> part(v, 2));

  private KubeApiTestBinaries() {}

  /** kube-api-test's root directory: its binaries, and the certificates it generates. */
  public static Path testDir() {
    String configured = System.getenv(KubeAPIServerConfigBuilder.KUBE_API_TEST_DIR);
    return configured != null && !configured.isBlank()
        ? Path.of(configured)
        : Path.of(System.getProperty("user.home"), KubeAPIServerConfigBuilder.DIRECTORY_NAME);
  }

  /**
   * The directory of the newest complete installation, the one kube-api-test itself picks when no
   * version is configured.
   *
   * @throws IllegalStateException when no complete installation exists
   */
  public static Path directory() {
    Path root = testDir().resolve("k8s");
    String suffix = platformSuffix();
    List<Path> candidates;
    try (Stream<Path> dirs = Files.isDirectory(root) ? Files.list(root) : Stream.empty()) {
      candidates =
          dirs.filter(d -> d.getFileName().toString().endsWith(suffix))
              .filter(d -> version(d).matches("\\d+\\.\\d+\\.\\d+"))
              .sorted(Comparator.comparing(KubeApiTestBinaries::version, VERSION_ORDER).reversed())
              .toList();
    } catch (IOException e) {
      throw new IllegalStateException("Cannot list " + root + ": " + e.getMessage(), e);
    }
    if (candidates.isEmpty()) {
      throw new IllegalStateException(
          "No Kubernetes test binaries in " + root + " (looked for *" + suffix + "); " + FIX);
    }
    Path newest = candidates.get(0);
    Optional<String> missing =
        REQUIRED.stream().filter(name -> !Files.isExecutable(newest.resolve(name))).findFirst();
    if (missing.isPresent()) {
      throw new IllegalStateException(
          "Incomplete Kubernetes test binaries: "
              + newest.resolve(missing.get())
              + " is missing; "
              + FIX);
    }
    return newest;
  }

  /** The Kubernetes release of {@link #directory()}, like {@code 1.34.12}. */
  public static String kubernetesVersion() {
    return version(directory());
  }

  public static Path binary(String name) {
    return directory().resolve(name);
  }

  /**
   * A kube-api-test configuration pinned to the installed release with downloads turned off.
   * Offline mode is set here rather than through {@code KUBE_API_TEST_OFFLINE_MODE}, which
   * kube-api-test 7.5.x fails to parse.
   */
  public static KubeAPIServerConfigBuilder offlineConfig() {
    return KubeAPIServerConfigBuilder.anAPIServerConfig()
        .withTestDir(testDir().toString())
        .withApiServerVersion(kubernetesVersion())
        .withOfflineMode(true);
  }

  private static String version(Path dir) {
    String name = dir.getFileName().toString();
    return name.substring(0, name.length() - platformSuffix().length());
  }

  // Must match kube-api-test's OSInfo, which names the directories.
  private static String platformSuffix() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch =
        switch (System.getProperty("os.arch").toLowerCase(Locale.ROOT)) {
          case "aarch64" -> "arm64";
          case "ppc64" -> "ppc64le";
          default -> "amd64";
        };
    return "-" + os + "-" + arch;
  }

  private static int part(String version, int index) {
    return Integer.parseInt(version.split("\\.")[index]);
  }
}
