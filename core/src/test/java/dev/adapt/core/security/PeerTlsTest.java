package dev.adapt.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerTlsTest {
  @TempDir Path dir;

  private CertificateAuthority ca;
  private Server server;

  @BeforeEach
  void startServer() throws Exception {
    ca = CertificateAuthority.create("pipeline-a", Duration.ofDays(1));
    PeerTls tls = PeerTls.load(identity(ca, "server"));
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("", ServingStatus.SERVING);
    server =
        Grpc.newServerBuilderForPort(0, tls.serverCredentials())
            .addService(health.getHealthService())
            .build()
            .start();
  }

  @AfterEach
  void stopServer() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void aPeerOfTheSameCaIsServed() {
    PeerTls client = PeerTls.load(identity(ca, "client"));
    assertThat(check(client.channelCredentials())).isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void aClientWithoutACertificateIsRefused() throws Exception {
    ChannelCredentials noCertificate =
        TlsChannelCredentials.newBuilder()
            .trustManager(dir.resolve("server").resolve(TlsFiles.CA).toFile())
            .build();
    assertRefused(noCertificate);
  }

  @Test
  void aClientOfAnotherPipelinesCaIsRefused() throws Exception {
    CertificateAuthority other = CertificateAuthority.create("pipeline-b", Duration.ofDays(1));
    TlsFiles intruder = identity(other, "intruder");
    // The intruder trusts the server's CA, so only the server's check of the client can refuse it.
    ChannelCredentials credentials =
        TlsChannelCredentials.newBuilder()
            .keyManager(intruder.certificateChain().toFile(), intruder.privateKey().toFile())
            .trustManager(dir.resolve("server").resolve(TlsFiles.CA).toFile())
            .build();
    assertRefused(credentials);
  }

  @Test
  void aCaSurvivesItsPemForm() {
    CertificateAuthority again =
        CertificateAuthority.fromPem(ca.certificatePem(), ca.privateKeyPem());
    IssuedCertificate issued =
        again.issue("x", List.of("x.example"), List.of("127.0.0.1"), Duration.ofHours(1));
    assertThat(
            PemCertificates.issuedBy(
                PemCertificates.parseCertificate(issued.certificatePem()), ca.certificate()))
        .isTrue();
    assertThat(
            check(
                PeerTls.load(TlsFiles.write(dir.resolve("again"), issued, ca.certificatePem()))
                    .channelCredentials()))
        .isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void anIdentityHeldInMemoryIsAPeerToo() {
    IssuedCertificate issued = ca.issue("operator", List.of(), List.of(), Duration.ofHours(1));
    assertThat(check(PeerTls.of(issued, ca.certificatePem()).channelCredentials()))
        .isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void renewalIsDueInTheLastThirdOfTheLifetime() {
    IssuedCertificate issued = ca.issue("y", List.of(), List.of(), Duration.ofHours(3));
    var certificate = PemCertificates.parseCertificate(issued.certificatePem());
    Instant from = certificate.getNotBefore().toInstant();
    Instant to = certificate.getNotAfter().toInstant();
    Duration life = Duration.between(from, to);
    assertThat(PemCertificates.dueForRenewal(certificate, from.plus(life.dividedBy(2)))).isFalse();
    assertThat(PemCertificates.dueForRenewal(certificate, to.minus(life.dividedBy(4)))).isTrue();
  }

  @Test
  void aCertificateNeverOutlivesItsCa() {
    IssuedCertificate issued = ca.issue("z", List.of(), List.of(), Duration.ofDays(365));
    assertThat(issued.notAfter()).isEqualTo(ca.notAfter());
  }

  @Test
  void missingFilesAreNamed() {
    assertThatThrownBy(() -> PeerTls.load(TlsFiles.in(dir.resolve("nothing"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tls.crt")
        .hasMessageContaining("ca.crt");
  }

  private TlsFiles identity(CertificateAuthority authority, String name) {
    IssuedCertificate issued =
        authority.issue(
            name, List.of(name + ".example"), List.of("127.0.0.1"), Duration.ofHours(1));
    return TlsFiles.write(dir.resolve(name), issued, authority.certificatePem());
  }

  private ServingStatus check(ChannelCredentials credentials) {
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", server.getPort(), credentials).build();
    try {
      return HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(30, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance())
          .getStatus();
    } finally {
      channel.shutdownNow();
    }
  }

  private void assertRefused(ChannelCredentials credentials) {
    assertThatThrownBy(() -> check(credentials))
        .isInstanceOf(StatusRuntimeException.class)
        .extracting(e -> ((StatusRuntimeException) e).getStatus().getCode())
        .isEqualTo(Status.Code.UNAVAILABLE);
  }
}
