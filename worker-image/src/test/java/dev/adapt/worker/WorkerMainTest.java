package dev.adapt.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.adapt.core.security.CertificateAuthority;
import dev.adapt.core.security.TlsFiles;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class WorkerMainTest {

  @Test
  void staticModeNeedsNothingButIdAndPort() {
    WorkerSettings settings = parse("--worker-id=w7", "--port=9100");

    assertThat(settings.workerId()).isEqualTo("w7");
    assertThat(settings.port()).isEqualTo(9100);
    assertThat(settings.pipeline()).isEqualTo("default");
    assertThat(settings.etcd()).isEmpty();
    assertThat(settings.metricsPort()).isEqualTo(-1);
    assertThat(settings.maxSlices()).isEqualTo(2);
    assertThat(settings.advertisedAddress()).isNull();
    // Plaintext, health on the main port only, unless ADAPT_PEER_TLS_DIR / ADAPT_HEALTH_PORT say
    // otherwise (they are not set where the tests run).
    assertThat(settings.peerTls()).isEmpty();
    assertThat(settings.healthPort()).isEqualTo(-1);
  }

  @Test
  void peerTlsTakesTheSecretsFilesAndAppliesToHttpsEtcd(@TempDir Path dir) {
    CertificateAuthority ca = CertificateAuthority.create("p", Duration.ofHours(1));
    TlsFiles.write(
        dir,
        ca.issue("w1", List.of(), List.of("127.0.0.1"), Duration.ofHours(1)),
        ca.certificatePem());
    WorkerSettings settings =
        parse(
            "--worker-id=w1",
            "--peer-tls-dir=" + dir,
            "--health-port=9001",
            "--etcd=https://10.0.0.1:2379");

    assertThat(settings.peerTls()).isPresent();
    assertThat(settings.healthPort()).isEqualTo(9001);
    assertThat(settings.etcd().orElseThrow().secure()).isTrue();
    assertThat(settings.etcd().orElseThrow().tls()).isEqualTo(settings.peerTls());
  }

  @Test
  void aPeerTlsDirWithoutTheFilesIsRefusedNamingThem(@TempDir Path dir) {
    assertThatThrownBy(() -> parse("--worker-id=w1", "--peer-tls-dir=" + dir))
        .hasMessageContaining("tls.crt")
        .hasMessageContaining("tls.key")
        .hasMessageContaining("ca.crt");
  }

  @Test
  void etcdModeCarriesEndpointsAndLeaseTtl() {
    WorkerSettings settings =
        parse(
            "--worker-id=w1",
            "--pipeline=resnet",
            "--etcd=http://10.0.0.1:2379,10.0.0.2:2379",
            "--lease-ttl=5s",
            "--advertise-address=10.1.2.3:9000",
            "--metrics-port=9090",
            "--shutdown-grace=1500ms");

    assertThat(settings.etcd()).isPresent();
    assertThat(settings.etcd().get().endpoints())
        .containsExactly(URI.create("http://10.0.0.1:2379"), URI.create("http://10.0.0.2:2379"));
    assertThat(settings.etcd().get().leaseTtl()).isEqualTo(Duration.ofSeconds(5));
    assertThat(settings.advertisedAddress()).isEqualTo("10.1.2.3:9000");
    assertThat(settings.metricsPort()).isEqualTo(9090);
    assertThat(settings.shutdownGrace()).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void durationsAcceptShortAndIsoForms() {
    var converter = new WorkerMain.DurationConverter();

    assertThat(converter.convert("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(converter.convert("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(converter.convert("PT3S")).isEqualTo(Duration.ofSeconds(3));
    assertThatThrownBy(() -> converter.convert("soon"))
        .hasMessageContaining("'soon' is not a duration");
  }

  @Test
  void badValuesAreRefusedWithTheirNames() {
    assertThatThrownBy(() -> parse("--worker-id=a/b")).hasMessageContaining("invalid id 'a/b'");
    assertThatThrownBy(() -> parse("--worker-id=w1", "--etcd=http://localhost"))
        .hasMessageContaining("must look like http://host:port");
    assertThatThrownBy(() -> parse("--worker-id=w1", "--etcd=localhost:2379", "--lease-ttl=500ms"))
        .hasMessageContaining("lease TTL must be at least 1 s");
  }

  private static WorkerSettings parse(String... args) {
    WorkerMain main = new WorkerMain();
    new CommandLine(main).parseArgs(args);
    return main.settings();
  }
}
