package dev.adapt.e2e;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The cluster the suite runs against: the local single-node cluster of {@code
 * scripts/local-cluster.sh} (its kubeconfig unless {@code -Dkubeconfig=...} or {@code KUBECONFIG}
 * names another), the kubectl built by {@code scripts/k8s-test-binaries.sh}, and containerd's
 * {@code ctr} inside the cluster. When something is missing the suite fails and says how to get it;
 * it never skips.
 */
final class Cluster implements AutoCloseable {

  private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(3);

  private final Path repository;
  private final Path kubectl;
  private final Path kubeconfig;
  private final KubernetesClient client;

  private Cluster(Path repository, Path kubectl, Path kubeconfig) {
    this.repository = repository;
    this.kubectl = kubectl;
    this.kubeconfig = kubeconfig;
    this.client =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(kubeconfig.toFile()))
            .build();
  }

  /** Checks that everything the suite needs is there, and connects. */
  static Cluster require() {
    Path repository = repository();
    Path script = repository.resolve("scripts/local-cluster.sh");
    String howToStart =
        "Start the local cluster as root with `scripts/local-cluster.sh up` (from "
            + repository
            + "); `scripts/local-cluster.sh status` must exit 0 before the suite can run.";
    if (!Files.isExecutable(script)) {
      throw new AssertionError(
          "The end-to-end suite needs the local cluster, but "
              + script
              + " is missing. "
              + howToStart);
    }
    Commands.Result status =
        Commands.run(repository, COMMAND_TIMEOUT, List.of(script.toString(), "status"));
    if (!status.succeeded()) {
      throw new AssertionError(
          "The local Kubernetes cluster is not up (`scripts/local-cluster.sh status` says: "
              + (status.stdout() + status.stderr()).strip()
              + "). "
              + howToStart);
    }
    Path kubeconfig =
        explicitKubeconfig()
            .orElseGet(
                () ->
                    Path.of(
                        Commands.run(
                                repository,
                                COMMAND_TIMEOUT,
                                List.of(script.toString(), "kubeconfig"))
                            .requireSuccess()
                            .stdout()
                            .strip()));
    if (!Files.isReadable(kubeconfig)) {
      throw new AssertionError("The kubeconfig " + kubeconfig + " cannot be read. " + howToStart);
    }
    Commands.Result binaries =
        Commands.run(
            repository,
            COMMAND_TIMEOUT,
            List.of(repository.resolve("scripts/k8s-test-binaries.sh").toString(), "--print-dir"));
    Path kubectl = Path.of(binaries.stdout().strip()).resolve("kubectl");
    if (!binaries.succeeded() || !Files.isExecutable(kubectl)) {
      throw new AssertionError(
          "kubectl of the Kubernetes test binaries is missing ("
              + kubectl
              + "); build them with scripts/k8s-test-binaries.sh. "
              + binaries.describe());
    }
    Cluster cluster = new Cluster(repository, kubectl, kubeconfig);
    Commands.Result version = cluster.kubectl("version");
    if (!version.succeeded()) {
      cluster.close();
      throw new AssertionError(
          "The API server named by "
              + kubeconfig
              + " does not answer. "
              + howToStart
              + "\n"
              + version.describe());
    }
    return cluster;
  }

  /** The repository root: the suite applies deploy/, runs scripts/ and cli/target/adapt.jar. */
  static Path repository() {
    String configured = System.getProperty("adapt.repository");
    Path root = configured != null ? Path.of(configured) : Path.of("").toAbsolutePath().getParent();
    return root.toAbsolutePath().normalize();
  }

  private static Optional<Path> explicitKubeconfig() {
    String property = System.getProperty("kubeconfig");
    if (property != null && !property.isBlank()) {
      return Optional.of(Path.of(property));
    }
    String env = System.getenv("KUBECONFIG");
    if (env != null && !env.isBlank()) {
      return Optional.of(Path.of(env.split(File.pathSeparator)[0]));
    }
    return Optional.empty();
  }

  Path repositoryRoot() {
    return repository;
  }

  KubernetesClient client() {
    return client;
  }

  /** Runs kubectl with the suite's kubeconfig. */
  Commands.Result kubectl(String... args) {
    return kubectl(COMMAND_TIMEOUT, args);
  }

  Commands.Result kubectl(Duration timeout, String... args) {
    List<String> command = new ArrayList<>();
    command.add(kubectl.toString());
    command.add("--kubeconfig=" + kubeconfig);
    command.addAll(List.of(args));
    return Commands.run(repository, timeout, command);
  }

  /** Runs containerd's ctr inside the cluster (namespace k8s.io). */
  Commands.Result ctr(String... args) {
    List<String> command = new ArrayList<>();
    command.add(repository.resolve("scripts/local-cluster.sh").toString());
    command.add("ctr");
    command.addAll(List.of(args));
    return Commands.run(repository, COMMAND_TIMEOUT, command);
  }

  /** Runs a script of the repository. */
  Commands.Result script(Duration timeout, String script, String... args) {
    List<String> command = new ArrayList<>();
    command.add(repository.resolve(script).toString());
    command.addAll(List.of(args));
    return Commands.run(repository, timeout, command);
  }

  @Override
  public void close() {
    client.close();
  }
}
