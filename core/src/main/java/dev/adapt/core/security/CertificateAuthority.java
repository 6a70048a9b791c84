package dev.adapt.core.security;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A pipeline's own certificate authority: a self-signed ECDSA P-256 CA that issues the certificates
 * of the pipeline's dispatcher, workers, etcd and of whoever else talks to them. Trusting only this
 * CA is what makes a peer "of this pipeline": a certificate of another pipeline's CA, or of a
 * public CA, is refused.
 */
public final class CertificateAuthority {
  private static final String SIGNATURE = "SHA256withECDSA";
  private static final Duration BACKDATE = Duration.ofMinutes(5);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final X509Certificate certificate;
  private final PrivateKey key;

  private CertificateAuthority(X509Certificate certificate, PrivateKey key) {
    this.certificate = certificate;
    this.key = key;
  }

  /**
   * A new CA named {@code name}, valid from now (minus a little clock skew) for {@code validity}.
   */
  public static CertificateAuthority create(String name, Duration validity) {
    KeyPair pair = newKeyPair();
    Instant now = Instant.now();
    X500Name subject = subject(name);
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  subject,
                  serial(),
                  Date.from(now.minus(BACKDATE)),
                  Date.from(now.plus(validity)),
                  subject,
                  pair.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  extensions.createSubjectKeyIdentifier(pair.getPublic()));
      return new CertificateAuthority(sign(builder, pair.getPrivate()), pair.getPrivate());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(
          "cannot create a certificate authority: " + e.getMessage(), e);
    }
  }

  /** The CA kept as PEM (for example in a Secret). */
  public static CertificateAuthority fromPem(String certificatePem, String privateKeyPem) {
    return new CertificateAuthority(
        PemCertificates.parseCertificate(certificatePem), parsePrivateKey(privateKeyPem));
  }

  public X509Certificate certificate() {
    return certificate;
  }

  public String certificatePem() {
    return toPem(certificate);
  }

  /** The CA's private key as PKCS#8 PEM. */
  public String privateKeyPem() {
    return privateKeyToPem(key);
  }

  public Instant notAfter() {
    return certificate.getNotAfter().toInstant();
  }

  /**
   * Issues a certificate for both TLS server and client use (every component is both: a worker
   * serves the previous hop and calls the next one) naming {@code commonName}, with the given DNS
   * names and IP addresses as subject alternative names. It never outlives the CA.
   */
  public IssuedCertificate issue(
      String commonName, List<String> dnsNames, List<String> ipAddresses, Duration validity) {
    KeyPair pair = newKeyPair();
    Instant now = Instant.now();
    Instant notAfter = now.plus(validity);
    if (notAfter.isAfter(notAfter())) {
      notAfter = notAfter();
    }
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  certificate,
                  serial(),
                  Date.from(now.minus(BACKDATE)),
                  Date.from(notAfter),
                  subject(commonName),
                  pair.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
              .addExtension(
                  Extension.extendedKeyUsage,
                  false,
                  new ExtendedKeyUsage(
                      new KeyPurposeId[] {
                        KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                      }))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  extensions.createAuthorityKeyIdentifier(certificate))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  extensions.createSubjectKeyIdentifier(pair.getPublic()));
      List<GeneralName> names = new ArrayList<>();
      dnsNames.forEach(dns -> names.add(new GeneralName(GeneralName.dNSName, dns)));
      for (String ip : ipAddresses) {
        names.add(new GeneralName(GeneralName.iPAddress, literalAddress(ip)));
      }
      if (!names.isEmpty()) {
        builder.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(names.toArray(GeneralName[]::new)));
      }
      X509Certificate issued = sign(builder, key);
      return new IssuedCertificate(
          toPem(issued), privateKeyToPem(pair.getPrivate()), issued.getNotAfter().toInstant());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(
          "cannot issue a certificate for " + commonName + ": " + e.getMessage(), e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
      throws GeneralSecurityException {
    try {
      ContentSigner contentSigner = new JcaContentSignerBuilder(SIGNATURE).build(signer);
      X509CertificateHolder holder = builder.build(contentSigner);
      return new JcaX509CertificateConverter().getCertificate(holder);
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e.getMessage(), e);
    }
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK cannot make EC P-256 keys", e);
    }
  }

  private static X500Name subject(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  /** Only literal addresses: a host name here would be resolved, which is never meant. */
  private static String literalAddress(String ip) {
    if (!ip.matches("[0-9.]+|[0-9a-fA-F:]+")) {
      throw new IllegalArgumentException("not an IP address: " + ip);
    }
    try {
      return InetAddress.getByName(ip).getHostAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address: " + ip, e);
    }
  }

  static String toPem(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static String privateKeyToPem(PrivateKey key) {
    try {
      return toPem(new JcaPKCS8Generator(key, null).generate());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static PrivateKey parsePrivateKey(String pem) {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object object = parser.readObject();
      if (!(object instanceof PrivateKeyInfo info)) {
        throw new IllegalArgumentException(
            "expected a PKCS#8 private key (BEGIN PRIVATE KEY), got "
                + (object == null ? "nothing" : object.getClass().getSimpleName()));
      }
      return new JcaPEMKeyConverter().getPrivateKey(info);
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed private key PEM: " + e.getMessage(), e);
    }
  }
}
