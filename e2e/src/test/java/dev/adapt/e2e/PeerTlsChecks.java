package dev.adapt.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.adapt.core.security.CertificateAuthority;
import dev.adapt.core.security.IssuedCertificate;
import dev.adapt.core.security.TlsFiles;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a stranger on the pod network gets from a pipeline with mutual TLS: nothing from a worker's
 * gRPC port or from etcd without a certificate of the pipeline's CA, and only health from the
 * worker's probe port.
 */
final class PeerTlsChecks {
  private static final Duration CALL = Duration.ofSeconds(20);

  private PeerTlsChecks() {}

  /** A worker's gRPC port refuses a plaintext caller; its health port answers the kubelet's. */
  static void workerRefusesPlaintextButAnswersProbes(String podIp) {
    ManagedChannel main = ManagedChannelBuilder.forAddress(podIp, 9000).usePlaintext().build();
    ManagedChannel health = ManagedChannelBuilder.forAddress(podIp, 9091).usePlaintext().build();
    try {
      assertThatThrownBy(() -> check(main))
          .as("plaintext call to the worker's gRPC port %s:9000", podIp)
          .isInstanceOf(StatusRuntimeException.class);
      assertThat(check(health)).isEqualTo(ServingStatus.SERVING);
    } finally {
      main.shutdownNow();
      health.shutdownNow();
    }
  }

  /**
   * etcd completes no request without a client certificate of the pipeline's CA, even from a client
   * that trusts the CA, and answers one that has it.
   */
  static void etcdRequiresAClientCertificate(
      String host, String serviceIp, CertificateAuthority authority) {
    Path directory = temporaryDirectory();
    try {
      IssuedCertificate client = authority.issue("e2e", List.of(), List.of(), Duration.ofHours(1));
      TlsFiles files = TlsFiles.write(directory, client, authority.certificatePem());
      // The Service's name, resolved to its IP here: curl checks the name against the certificate.
      String resolve = host + ":2379:" + serviceIp;
      String url = "https://" + host + ":2379/version";
      Commands.Result without =
          curl("--resolve", resolve, "--cacert", files.trustedCa().toString(), url);
      assertThat(without.succeeded())
          .as("etcd answered without a client certificate: %s", without.describe())
          .isFalse();
      Commands.Result with =
          curl(
              "--resolve",
              resolve,
              "--cacert",
              files.trustedCa().toString(),
              "--cert",
              files.certificateChain().toString(),
              "--key",
              files.privateKey().toString(),
              url);
      assertThat(with.succeeded()).as(with.describe()).isTrue();
      assertThat(with.stdout()).contains("etcdserver");
    } finally {
      deleteAll(directory);
    }
  }

  private static ServingStatus check(ManagedChannel channel) {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(CALL.toMillis(), TimeUnit.MILLISECONDS)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
  }

  private static Commands.Result curl(String... args) {
    List<String> command = new java.util.ArrayList<>(List.of("curl", "-sS", "--fail", "-m", "20"));
    command.addAll(List.of(args));
    return Commands.run(Path.of("."), CALL.plusSeconds(10), command);
  }

  private static Path temporaryDirectory() {
    try {
      return Files.createTempDirectory("e2e-peer-tls");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteAll(Path directory) {
    try (var files = Files.walk(directory)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
