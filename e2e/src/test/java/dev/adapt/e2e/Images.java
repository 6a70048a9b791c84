package dev.adapt.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The images the pipeline runs, in the cluster's containerd. No registry is reachable: the archives
 * {@code scripts/images.sh} builds are imported with {@code scripts/local-cluster.sh load-images},
 * on every run when they exist, so that the suite tests what was built last.
 */
final class Images {
  private static final Logger log = LoggerFactory.getLogger(Images.class);

  static final String OPERATOR = "ghcr.io/adapt-dev/adapt-operator:0.1.0";
  static final String DISPATCHER = "ghcr.io/adapt-dev/adapt-dispatcher:0.1.0";
  static final String WORKER = "ghcr.io/adapt-dev/adapt-worker:0.1.0";

  /** No registry serves the default etcd image here; the operator is told this one instead. */
  static final String ETCD = "localhost/adapt-etcd:v3.6.4";

  static final List<String> ALL = List.of(OPERATOR, DISPATCHER, WORKER, ETCD);

  private Images() {}

  /**
   * Imports the built archives when an image is missing, then checks that every one is there.
   *
   * @return whether archives were imported
   */
  static boolean ensureLoaded(Cluster cluster) {
    if (present(cluster).containsAll(ALL)) {
      return false;
    }
    List<Path> archives = archives(cluster);
    if (!archives.isEmpty()) {
      List<String> args = new ArrayList<>(List.of("load-images"));
      archives.forEach(a -> args.add(a.toString()));
      log.info("importing {} image archives into the cluster", archives.size());
      cluster
          .script(Duration.ofMinutes(20), "scripts/local-cluster.sh", args.toArray(String[]::new))
          .requireSuccess();
    }
    Set<String> present = present(cluster);
    List<String> missing = ALL.stream().filter(i -> !present.contains(i)).toList();
    if (!missing.isEmpty()) {
      throw new AssertionError(
          "The cluster lacks the images "
              + missing
              + (archives.isEmpty()
                  ? "; no image archives were found: build them with scripts/images.sh"
                  : "; the archives " + archives + " did not provide them")
              + " (present: "
              + present
              + ")");
    }
    return true;
  }

  private static Set<String> present(Cluster cluster) {
    return cluster
        .ctr("images", "ls", "-q")
        .requireSuccess()
        .stdout()
        .lines()
        .map(String::strip)
        .filter(l -> !l.isEmpty())
        .collect(Collectors.toSet());
  }

  private static List<Path> archives(Cluster cluster) {
    Path script = cluster.repositoryRoot().resolve("scripts/images.sh");
    if (!Files.isExecutable(script)) {
      return List.of();
    }
    Commands.Result dir = cluster.script(Duration.ofMinutes(1), "scripts/images.sh", "--print-dir");
    if (!dir.succeeded() || dir.stdout().isBlank()) {
      return List.of();
    }
    Path directory = Path.of(dir.stdout().strip());
    if (!Files.isDirectory(directory)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".tar")).sorted().toList();
    } catch (IOException e) {
      throw new AssertionError("cannot list the image archives in " + directory, e);
    }
  }
}
