package dev.adapt.operator.certificates;

import dev.adapt.core.security.CertificateAuthority;
import dev.adapt.core.security.IssuedCertificate;
import dev.adapt.core.security.PeerTls;
import dev.adapt.core.security.PemCertificates;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.resources.Component;
import dev.adapt.operator.resources.PeerTlsSecrets;
import io.fabric8.kubernetes.api.model.Secret;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline's certificate authority and the certificates it issued to the dispatcher, the
 * workers and the managed etcd, as the Secrets that should exist. What the Secrets already hold is
 * kept while it is sound: a certificate is issued again only when it is missing or unreadable, was
 * signed by another CA, names other hosts, or has less than a third of its life left ({@link
 * PemCertificates#dueForRenewal}). A new CA re-issues every certificate.
 *
 * @param secrets the CA's Secret first, then one per component
 */
public record PipelineCertificates(CertificateAuthority authority, List<Secret> secrets) {

  static final Duration AUTHORITY_VALIDITY = Duration.ofDays(3650);
  static final Duration CERTIFICATE_VALIDITY = Duration.ofDays(90);

  private static final Logger log = LoggerFactory.getLogger(PipelineCertificates.class);
  private static final List<Component> HOLDERS =
      List.of(Component.DISPATCHER, Component.WORKER, Component.ETCD);

  /**
   * @param existing the pipeline's peer-TLS Secrets as they are now, by name
   */
  public static PipelineCertificates decide(
      InferencePipeline pipeline, Map<String, Secret> existing, Instant now) {
    String authorityName = PeerTlsSecrets.authorityName(pipeline);
    CertificateAuthority authority =
        Optional.ofNullable(existing.get(authorityName))
            .flatMap(secret -> SecretContents.authority(secret, now))
            .orElseGet(
                () -> {
                  log.info("Creating the certificate authority of Secret {}", authorityName);
                  return CertificateAuthority.create(
                      pipelineName(pipeline) + " pipeline CA", AUTHORITY_VALIDITY);
                });
    List<Secret> secrets = new ArrayList<>();
    secrets.add(SecretContents.ofAuthority(pipeline, authorityName, authority));
    for (Component holder : HOLDERS) {
      String name = PeerTlsSecrets.name(pipeline, holder);
      List<String> hosts = CertificateNames.of(pipeline, holder);
      Secret current = existing.get(name);
      if (current != null && SecretContents.stillValid(current, authority, hosts, now)) {
        secrets.add(SecretContents.copyOf(pipeline, holder, current));
      } else {
        log.info("Issuing the certificate of Secret {}", name);
        IssuedCertificate issued =
            authority.issue(
                pipelineName(pipeline) + " " + holder.label(),
                hosts,
                CertificateNames.addresses(holder),
                CERTIFICATE_VALIDITY);
        secrets.add(SecretContents.ofCertificate(pipeline, holder, issued, authority, hosts));
      }
    }
    return new PipelineCertificates(authority, List.copyOf(secrets));
  }

  /**
   * A client identity for the operator's own connection to the pipeline's etcd, held in memory
   * only; whoever holds it renews it by asking again (see {@link #renewalDue}).
   */
  public OperatorIdentity operatorIdentity() {
    IssuedCertificate issued =
        authority.issue("adapt-operator", List.of(), List.of(), CERTIFICATE_VALIDITY);
    X509Certificate certificate = PemCertificates.parseCertificate(issued.certificatePem());
    return new OperatorIdentity(
        authority.certificatePem(), PeerTls.of(issued, authority.certificatePem()), certificate);
  }

  /**
   * The operator's certificate for talking to the pipeline's etcd.
   *
   * @param authorityPem identifies the CA it belongs to: a new CA needs a new identity
   */
  public record OperatorIdentity(String authorityPem, PeerTls tls, X509Certificate certificate) {
    public boolean renewalDue(Instant now) {
      return PemCertificates.dueForRenewal(certificate, now);
    }
  }

  private static String pipelineName(InferencePipeline pipeline) {
    return pipeline.getMetadata().getNamespace() + "/" + pipeline.getMetadata().getName();
  }
}
