package dev.adapt.cli;

import dev.adapt.core.security.CertificateAuthority;
import dev.adapt.core.security.IssuedCertificate;
import dev.adapt.core.security.PeerTls;
import dev.adapt.core.security.TlsFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The certificates of a local pipeline with {@code --tls}: a fresh CA of its own and, issued by it,
 * one certificate per component (dispatcher, each worker, an etcd a test starts), written as {@code
 * <name>/tls.crt|tls.key|ca.crt} into a temporary directory that {@link #close()} removes. Every
 * certificate names {@code localhost} and {@code 127.0.0.1}, where everything local runs.
 */
final class LocalTls implements AutoCloseable {
  private static final Duration VALIDITY = Duration.ofDays(7);

  private final CertificateAuthority ca;
  private final Path directory;

  private LocalTls(CertificateAuthority ca, Path directory) {
    this.ca = ca;
    this.directory = directory;
  }

  static LocalTls create(String pipeline) {
    try {
      Path directory = Files.createTempDirectory("adapt-tls-");
      return new LocalTls(
          CertificateAuthority.create("adapt-local-" + pipeline, VALIDITY), directory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory for TLS files", e);
    }
  }

  /** Issues a certificate for {@code name} (again, when it exists) and returns its files. */
  synchronized TlsFiles issue(String name) {
    IssuedCertificate issued = ca.issue(name, List.of("localhost"), List.of("127.0.0.1"), VALIDITY);
    return TlsFiles.write(directory.resolve(name), issued, ca.certificatePem());
  }

  /** The directory of {@code name}'s files, issued now: what {@code --peer-tls-dir} takes. */
  Path directoryOf(String name) {
    return issue(name).certificateChain().getParent();
  }

  /** An identity for a component in this process. */
  PeerTls peer(String name) {
    return PeerTls.load(issue(name));
  }

  CertificateAuthority authority() {
    return ca;
  }

  @Override
  public void close() {
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      // A temporary directory left behind is harmless but for the keys in it: say where.
      System.err.println("could not remove " + directory + ": " + e);
    }
  }
}
