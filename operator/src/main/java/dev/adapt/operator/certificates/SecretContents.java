package dev.adapt.operator.certificates;

import dev.adapt.core.security.CertificateAuthority;
import dev.adapt.core.security.IssuedCertificate;
import dev.adapt.core.security.PemCertificates;
import dev.adapt.core.security.TlsFiles;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.resources.Component;
import dev.adapt.operator.resources.Labels;
import dev.adapt.operator.resources.PeerTlsSecrets;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reading and writing the PEM files of the peer-TLS Secrets. */
final class SecretContents {
  static final String CA_KEY = "ca.key";

  /** The files of a component's Secret, as the components read them. */
  private static final List<String> FILES =
      List.of(TlsFiles.CERTIFICATE, TlsFiles.PRIVATE_KEY, TlsFiles.CA);

  /** The host names a certificate was issued for, so that a change of them re-issues it. */
  static final String HOSTS_ANNOTATION = "adapt.dev/certificate-hosts";

  private static final Logger log = LoggerFactory.getLogger(SecretContents.class);

  private SecretContents() {}

  /** The CA in a Secret, unless it is unreadable or due for renewal. */
  static Optional<CertificateAuthority> authority(Secret secret, Instant now) {
    try {
      CertificateAuthority authority =
          CertificateAuthority.fromPem(
              text(secret, TlsFiles.CA).orElseThrow(() -> missing(secret, TlsFiles.CA)),
              text(secret, CA_KEY).orElseThrow(() -> missing(secret, CA_KEY)));
      if (PemCertificates.dueForRenewal(authority.certificate(), now)) {
        log.info("The certificate authority in Secret {} is due for renewal", name(secret));
        return Optional.empty();
      }
      return Optional.of(authority);
    } catch (IllegalArgumentException e) {
      log.warn("Secret {} holds no usable certificate authority: {}", name(secret), e.getMessage());
      return Optional.empty();
    }
  }

  /** Whether a component's Secret holds a certificate of {@code authority} for {@code hosts}. */
  static boolean stillValid(
      Secret secret, CertificateAuthority authority, List<String> hosts, Instant now) {
    Optional<String> certificate = text(secret, TlsFiles.CERTIFICATE);
    if (certificate.isEmpty()
        || text(secret, TlsFiles.PRIVATE_KEY).isEmpty()
        || !text(secret, TlsFiles.CA).equals(Optional.of(authority.certificatePem()))
        || !hostsOf(hosts).equals(annotation(secret))) {
      return false;
    }
    try {
      X509Certificate parsed = PemCertificates.parseCertificate(certificate.get());
      return PemCertificates.issuedBy(parsed, authority.certificate())
          && !PemCertificates.dueForRenewal(parsed, now);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  static Secret ofAuthority(InferencePipeline pipeline, String name, CertificateAuthority ca) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put(TlsFiles.CA, encode(ca.certificatePem()));
    data.put(CA_KEY, encode(ca.privateKeyPem()));
    return secret(pipeline, name, "Opaque", data, Map.of());
  }

  static Secret ofCertificate(
      InferencePipeline pipeline,
      Component holder,
      IssuedCertificate issued,
      CertificateAuthority authority,
      List<String> hosts) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put(TlsFiles.CERTIFICATE, encode(issued.certificatePem()));
    data.put(TlsFiles.PRIVATE_KEY, encode(issued.privateKeyPem()));
    data.put(TlsFiles.CA, encode(authority.certificatePem()));
    return secret(
        pipeline,
        PeerTlsSecrets.name(pipeline, holder),
        "kubernetes.io/tls",
        data,
        Map.of(HOSTS_ANNOTATION, hostsOf(hosts)));
  }

  /** The Secret as it should stay: its certificate, with the labels the operator sets. */
  static Secret copyOf(InferencePipeline pipeline, Component holder, Secret current) {
    Map<String, String> data = new LinkedHashMap<>();
    FILES.forEach(file -> data.put(file, current.getData().get(file)));
    return secret(
        pipeline,
        PeerTlsSecrets.name(pipeline, holder),
        "kubernetes.io/tls",
        data,
        Map.of(HOSTS_ANNOTATION, annotation(current)));
  }

  private static Secret secret(
      InferencePipeline pipeline,
      String name,
      String type,
      Map<String, String> data,
      Map<String, String> annotations) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(pipeline.getMetadata().getNamespace())
        .withLabels(Labels.of(pipeline, Component.PEER_TLS))
        .withAnnotations(annotations)
        .endMetadata()
        .withType(type)
        .withData(data)
        .build();
  }

  private static Optional<String> text(Secret secret, String key) {
    Map<String, String> data = secret.getData();
    String value = data == null ? null : data.get(key);
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new String(Base64.getDecoder().decode(value), StandardCharsets.US_ASCII));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static String annotation(Secret secret) {
    Map<String, String> annotations = secret.getMetadata().getAnnotations();
    return annotations == null ? "" : annotations.getOrDefault(HOSTS_ANNOTATION, "");
  }

  private static String hostsOf(List<String> hosts) {
    return String.join(",", hosts);
  }

  private static String encode(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
  }

  private static String name(Secret secret) {
    return secret.getMetadata().getNamespace() + "/" + secret.getMetadata().getName();
  }

  private static IllegalArgumentException missing(Secret secret, String key) {
    return new IllegalArgumentException("no " + key + " in Secret " + name(secret));
  }
}
