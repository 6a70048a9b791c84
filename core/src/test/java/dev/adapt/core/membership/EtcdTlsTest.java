package dev.adapt.core.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.adapt.core.security.CertificateAuthority;
import dev.adapt.core.security.IssuedCertificate;
import dev.adapt.core.security.PeerTls;
import dev.adapt.core.security.TlsFiles;
import dev.adapt.core.testing.EtcdServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.grpc.netty.GrpcSslContexts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real etcd with {@code --client-cert-auth}: only clients of the pipeline's CA get in. */
class EtcdTlsTest {
  @TempDir static Path dir;

  private static CertificateAuthority ca;
  private static EtcdServer etcd;

  @BeforeAll
  static void startEtcd() {
    ca = CertificateAuthority.create("pipeline-etcd", Duration.ofDays(1));
    etcd = EtcdServer.startTls(identity(ca, "etcd"));
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  void aClientWithACertificateOfTheCaReadsAndWrites() throws Exception {
    assertThat(etcd.endpoint()).startsWith("https://");
    EtcdSettings settings =
        EtcdSettings.of(etcd.endpoint()).withTls(PeerTls.load(identity(ca, "worker")));
    try (Client client = EtcdClients.connect(settings)) {
      client.getKVClient().put(key("admitted"), key("yes")).get(10, TimeUnit.SECONDS);
      assertThat(client.getKVClient().get(key("admitted")).get(10, TimeUnit.SECONDS).getCount())
          .isEqualTo(1);
    }
    // The membership reaches it the same way.
    try (EtcdMembership membership = EtcdMembership.connect(settings, "tls")) {
      membership.putSpec(new SpecRecord("builtin:resnet50", null, null, 2, 1));
      assertThat(membership.await(s -> s.spec().isPresent(), Duration.ofSeconds(60)).spec())
          .isPresent();
    }
  }

  @Test
  void aClientWithoutACertificateIsRefused() throws Exception {
    Client anonymous =
        Client.builder()
            .endpoints(etcd.endpoint())
            .sslContext(GrpcSslContexts.forClient().trustManager(ca.certificate()).build())
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    assertRefused(anonymous, "anonymous", "tls: client didn't provide a certificate");
  }

  @Test
  void aClientOfAnotherCaIsRefused() throws Exception {
    CertificateAuthority other = CertificateAuthority.create("pipeline-other", Duration.ofDays(1));
    // It trusts etcd's CA, so only etcd's check of the client can refuse it; PeerTls presents its
    // certificate whatever issuers etcd asks for (the JDK's default key manager would send none).
    IssuedCertificate foreign =
        other.issue("intruder", List.of(), List.of("127.0.0.1"), Duration.ofHours(1));
    PeerTls intruder =
        PeerTls.load(TlsFiles.write(dir.resolve("intruder"), foreign, ca.certificatePem()));
    Client client =
        Client.builder()
            .endpoints(etcd.endpoint())
            .sslContext(intruder.etcdClientContext())
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    assertRefused(client, "intruder", "certificate signed by unknown authority");
  }

  @Test
  void httpsEndpointsWithoutAnIdentityAreRefusedAtOnce() {
    assertThatThrownBy(() -> EtcdClients.connect(EtcdSettings.of(etcd.endpoint())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("https://")
        .hasMessageContaining("--peer-tls-dir");
  }

  /**
   * jetcd retries a refused connection until the caller gives up, so the client sees a timeout;
   * etcd's log says why it refused.
   */
  private static void assertRefused(Client client, String name, String reason) throws Exception {
    try (client) {
      assertThatThrownBy(
              () -> client.getKVClient().put(key(name), key("no")).get(5, TimeUnit.SECONDS))
          .isInstanceOfAny(ExecutionException.class, TimeoutException.class);
    }
    assertThat(Files.readString(etcd.logFile())).contains("rejected connection").contains(reason);
    // Nothing was written.
    EtcdSettings settings =
        EtcdSettings.of(etcd.endpoint()).withTls(PeerTls.load(identity(ca, "observer")));
    try (Client observer = EtcdClients.connect(settings)) {
      assertThat(observer.getKVClient().get(key(name)).get(10, TimeUnit.SECONDS).getCount())
          .isZero();
    }
  }

  private static ByteSequence key(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }

  private static TlsFiles identity(CertificateAuthority authority, String name) {
    IssuedCertificate issued =
        authority.issue(name, List.of("localhost"), List.of("127.0.0.1"), Duration.ofHours(1));
    return TlsFiles.write(dir.resolve(name), issued, authority.certificatePem());
  }
}
