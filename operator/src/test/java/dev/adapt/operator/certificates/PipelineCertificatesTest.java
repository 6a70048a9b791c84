package dev.adapt.operator.certificates;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.core.security.CertificateAuthority;
import dev.adapt.core.security.PemCertificates;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.testing.Samples;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PipelineCertificatesTest {
  private static final InferencePipeline PIPELINE = Samples.load(Samples.BALANCED, "ml");
  private static final List<String> NAMES =
      List.of(
          "resnet50-ca",
          "resnet50-dispatcher-peer-tls",
          "resnet50-worker-peer-tls",
          "resnet50-etcd-peer-tls");

  @Test
  void aNewPipelineGetsACaAndACertificateOfItForEachComponent() throws Exception {
    PipelineCertificates decided = PipelineCertificates.decide(PIPELINE, Map.of(), Instant.now());

    Map<String, Secret> secrets = byName(decided.secrets());
    assertThat(secrets).containsOnlyKeys(NAMES);
    X509Certificate ca = decided.authority().certificate();
    assertThat(text(secrets.get("resnet50-ca"), "ca.crt"))
        .isEqualTo(decided.authority().certificatePem());
    for (String name : NAMES.subList(1, NAMES.size())) {
      Secret secret = secrets.get(name);
      assertThat(secret.getType()).isEqualTo("kubernetes.io/tls");
      assertThat(secret.getData()).containsOnlyKeys("tls.crt", "tls.key", "ca.crt");
      X509Certificate certificate = PemCertificates.parseCertificate(text(secret, "tls.crt"));
      assertThat(PemCertificates.issuedBy(certificate, ca)).as(name).isTrue();
      assertThat(text(secret, "ca.crt")).isEqualTo(decided.authority().certificatePem());
      assertThat(Duration.between(Instant.now(), certificate.getNotAfter().toInstant()))
          .isGreaterThan(Duration.ofDays(89));
    }
    assertThat(secrets.get("resnet50-worker-peer-tls").getData()).doesNotContainKey("ca.key");
  }

  @Test
  void etcdsCertificateNamesItsServiceAndEveryMember() throws Exception {
    PipelineCertificates decided = PipelineCertificates.decide(PIPELINE, Map.of(), Instant.now());

    X509Certificate etcd =
        PemCertificates.parseCertificate(
            text(byName(decided.secrets()).get("resnet50-etcd-peer-tls"), "tls.crt"));
    assertThat(etcd.getSubjectAlternativeNames())
        .extracting(name -> name.get(1).toString())
        .contains(
            "resnet50-etcd.ml.svc",
            "resnet50-etcd.ml.svc.cluster.local",
            "*.resnet50-etcd-peers.ml.svc",
            "*.resnet50-etcd-peers.ml.svc.cluster.local",
            "127.0.0.1");
  }

  @Test
  void soundCertificatesAreKeptAsTheyAre() {
    Instant now = Instant.now();
    PipelineCertificates first = PipelineCertificates.decide(PIPELINE, Map.of(), now);

    PipelineCertificates second =
        PipelineCertificates.decide(
            PIPELINE, byName(first.secrets()), now.plus(Duration.ofDays(30)));

    assertThat(second.secrets()).isEqualTo(first.secrets());
  }

  @Test
  void aCertificateWithLessThanAThirdOfItsLifeLeftIsIssuedAgainByTheSameCa() {
    Instant now = Instant.now();
    PipelineCertificates first = PipelineCertificates.decide(PIPELINE, Map.of(), now);

    PipelineCertificates later =
        PipelineCertificates.decide(
            PIPELINE, byName(first.secrets()), now.plus(Duration.ofDays(61)));

    Map<String, Secret> before = byName(first.secrets());
    Map<String, Secret> after = byName(later.secrets());
    assertThat(after.get("resnet50-ca")).isEqualTo(before.get("resnet50-ca"));
    for (String name : NAMES.subList(1, NAMES.size())) {
      assertThat(text(after.get(name), "tls.crt"))
          .as(name)
          .isNotEqualTo(text(before.get(name), "tls.crt"));
      assertThat(text(after.get(name), "ca.crt")).isEqualTo(text(before.get(name), "ca.crt"));
    }
  }

  @Test
  void aCertificateOfAnotherCaOrAnUnreadableOneIsReplaced() {
    Instant now = Instant.now();
    Map<String, Secret> secrets =
        new HashMap<>(byName(PipelineCertificates.decide(PIPELINE, Map.of(), now).secrets()));
    PipelineCertificates other =
        PipelineCertificates.decide(Samples.load(Samples.BALANCED, "elsewhere"), Map.of(), now);
    Secret foreign = byName(other.secrets()).get("resnet50-worker-peer-tls");
    secrets.put(
        "resnet50-worker-peer-tls",
        new SecretBuilder(foreign).editMetadata().withNamespace("ml").endMetadata().build());
    secrets.put(
        "resnet50-etcd-peer-tls",
        new SecretBuilder(secrets.get("resnet50-etcd-peer-tls"))
            .addToData("tls.crt", encode("not a certificate"))
            .build());

    PipelineCertificates decided = PipelineCertificates.decide(PIPELINE, secrets, now);

    X509Certificate ca = decided.authority().certificate();
    for (String name : List.of("resnet50-worker-peer-tls", "resnet50-etcd-peer-tls")) {
      X509Certificate certificate =
          PemCertificates.parseCertificate(text(byName(decided.secrets()).get(name), "tls.crt"));
      assertThat(PemCertificates.issuedBy(certificate, ca)).as(name).isTrue();
    }
  }

  @Test
  void aLostCaIsCreatedAgainAndEveryCertificateReissuedUnderIt() {
    Instant now = Instant.now();
    Map<String, Secret> secrets =
        new HashMap<>(byName(PipelineCertificates.decide(PIPELINE, Map.of(), now).secrets()));
    CertificateAuthority lost =
        CertificateAuthority.fromPem(
            text(secrets.get("resnet50-ca"), "ca.crt"), text(secrets.get("resnet50-ca"), "ca.key"));
    secrets.remove("resnet50-ca");

    PipelineCertificates decided = PipelineCertificates.decide(PIPELINE, secrets, now);

    assertThat(decided.authority().certificatePem()).isNotEqualTo(lost.certificatePem());
    for (String name : NAMES.subList(1, NAMES.size())) {
      X509Certificate certificate =
          PemCertificates.parseCertificate(text(byName(decided.secrets()).get(name), "tls.crt"));
      assertThat(PemCertificates.issuedBy(certificate, decided.authority().certificate()))
          .as(name)
          .isTrue();
    }
  }

  @Test
  void theOperatorsIdentityIsIssuedByThePipelinesCaAndRenewedInTime() {
    PipelineCertificates decided = PipelineCertificates.decide(PIPELINE, Map.of(), Instant.now());

    PipelineCertificates.OperatorIdentity identity = decided.operatorIdentity();

    assertThat(PemCertificates.issuedBy(identity.certificate(), decided.authority().certificate()))
        .isTrue();
    assertThat(identity.renewalDue(Instant.now().plus(Duration.ofDays(30)))).isFalse();
    assertThat(identity.renewalDue(Instant.now().plus(Duration.ofDays(61)))).isTrue();
  }

  private static Map<String, Secret> byName(List<Secret> secrets) {
    return secrets.stream()
        .collect(Collectors.toMap(s -> s.getMetadata().getName(), Function.identity()));
  }

  private static String text(Secret secret, String key) {
    return new String(
        Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.US_ASCII);
  }

  private static String encode(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
  }
}
