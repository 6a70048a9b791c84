package dev.adapt.core.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The PEM files of one TLS identity, laid out as a Kubernetes TLS Secret mounted as a directory
 * (with the issuing CA beside it, as cert-manager writes it): {@code tls.crt} (certificate chain),
 * {@code tls.key} (PKCS#8 private key), {@code ca.crt} (the CA whose certificates are trusted).
 */
public record TlsFiles(Path certificateChain, Path privateKey, Path trustedCa) {
  public static final String CERTIFICATE = "tls.crt";
  public static final String PRIVATE_KEY = "tls.key";
  public static final String CA = "ca.crt";

  /** The files {@code tls.crt}, {@code tls.key} and {@code ca.crt} in {@code directory}. */
  public static TlsFiles in(Path directory) {
    return new TlsFiles(
        directory.resolve(CERTIFICATE), directory.resolve(PRIVATE_KEY), directory.resolve(CA));
  }

  /**
   * Checks that all three files can be read, so that a wrong mount fails at start with the missing
   * files named rather than at the first handshake.
   */
  public TlsFiles requireReadable() {
    List<String> missing = new ArrayList<>();
    for (Path file : List.of(certificateChain, privateKey, trustedCa)) {
      if (!Files.isReadable(file)) {
        missing.add(file.toString());
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("TLS files cannot be read: " + String.join(", ", missing));
    }
    return this;
  }

  /**
   * Writes {@code certificate} and the CA into {@code directory} (created if needed; the key
   * readable by its owner only) and returns the files.
   */
  public static TlsFiles write(Path directory, IssuedCertificate certificate, String caPem) {
    try {
      Files.createDirectories(directory);
      TlsFiles files = in(directory);
      Files.writeString(files.certificateChain(), certificate.certificatePem());
      Files.writeString(files.trustedCa(), caPem);
      Path key = files.privateKey();
      Files.deleteIfExists(key);
      Files.createFile(
          key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(key, certificate.privateKeyPem());
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write TLS files to " + directory, e);
    }
  }
}
