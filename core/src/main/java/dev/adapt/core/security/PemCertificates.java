package dev.adapt.core.security;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;

/** Reading PEM certificates, and the renewal rule that every holder of certificates shares. */
public final class PemCertificates {
  private PemCertificates() {}

  /** The first certificate of a PEM chain. */
  public static X509Certificate parseCertificate(String pem) {
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(
                  new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    } catch (CertificateException | ClassCastException e) {
      throw new IllegalArgumentException("malformed certificate PEM: " + e.getMessage(), e);
    }
  }

  /**
   * Whether a certificate should be replaced now: when less than a third of its lifetime is left
   * (the rule of cert-manager and kubelet), so that a renewal has two thirds of the lifetime to
   * reach every reader of the files.
   */
  public static boolean dueForRenewal(X509Certificate certificate, Instant now) {
    Instant from = certificate.getNotBefore().toInstant();
    Instant to = certificate.getNotAfter().toInstant();
    Duration third = Duration.between(from, to).dividedBy(3);
    return !now.isBefore(to.minus(third));
  }

  /** Whether {@code certificate} was signed by {@code ca}'s key. */
  public static boolean issuedBy(X509Certificate certificate, X509Certificate ca) {
    try {
      certificate.verify(ca.getPublicKey());
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
