package dev.adapt.core.security;

import dev.adapt.core.concurrent.NamedThreads;
import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.AdvancedTlsX509TrustManager.Verification;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Mutual TLS among the components of one pipeline (dispatcher, workers, etcd, the operator): each
 * side presents its certificate and accepts the other's only when the pipeline's CA ({@code
 * ca.crt}) signed it. Identity is that signature, not a host name: a worker's address is a pod IP
 * that nobody knows when its certificate is issued, so host names are not verified. The files are
 * read again every {@link #RELOAD_SECONDS} s, so a renewed Secret takes effect without a restart.
 */
public final class PeerTls {
  public static final long RELOAD_SECONDS = 60;

  private static final ScheduledExecutorService RELOADER =
      Executors.newSingleThreadScheduledExecutor(NamedThreads.daemon("tls-reload"));

  private final AdvancedTlsX509KeyManager keyManager = new AdvancedTlsX509KeyManager();
  private final AdvancedTlsX509TrustManager trustManager;

  private PeerTls(TlsFiles files) throws IOException, GeneralSecurityException {
    files.requireReadable();
    keyManager.updateIdentityCredentials(
        files.certificateChain().toFile(),
        files.privateKey().toFile(),
        RELOAD_SECONDS,
        TimeUnit.SECONDS,
        RELOADER);
    trustManager =
        AdvancedTlsX509TrustManager.newBuilder()
            .setVerification(Verification.CERTIFICATE_ONLY_VERIFICATION)
            .build();
    trustManager.updateTrustCredentials(
        files.trustedCa().toFile(), RELOAD_SECONDS, TimeUnit.SECONDS, RELOADER);
  }

  /**
   * An identity held in memory, for a component that issues its own certificate (the operator holds
   * the pipeline's CA and talks to the pipeline's etcd with it). Nothing is reloaded.
   */
  public static PeerTls of(IssuedCertificate certificate, String caPem) {
    try {
      return new PeerTls(certificate, caPem);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("unusable certificate or CA: " + e.getMessage(), e);
    }
  }

  private PeerTls(IssuedCertificate certificate, String caPem)
      throws GeneralSecurityException, IOException {
    keyManager.updateIdentityCredentials(
        new X509Certificate[] {PemCertificates.parseCertificate(certificate.certificatePem())},
        CertificateAuthority.parsePrivateKey(certificate.privateKeyPem()));
    trustManager =
        AdvancedTlsX509TrustManager.newBuilder()
            .setVerification(Verification.CERTIFICATE_ONLY_VERIFICATION)
            .build();
    trustManager.updateTrustCredentials(
        new X509Certificate[] {PemCertificates.parseCertificate(caPem)});
  }

  /** Loads the files (failing at once, naming what is wrong, when they are missing or bad). */
  public static PeerTls load(TlsFiles files) {
    try {
      return new PeerTls(files);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read TLS files " + files + ": " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "TLS files " + files + " hold no usable certificate and key: " + e.getMessage(), e);
    }
  }

  /**
   * The identity in {@code directory} ({@link TlsFiles#in}), or empty when no directory is given
   * (null or blank): plaintext.
   */
  public static Optional<PeerTls> fromDirectory(Path directory) {
    if (directory == null || directory.toString().isBlank()) {
      return Optional.empty();
    }
    return Optional.of(load(TlsFiles.in(directory)));
  }

  /** For gRPC servers: TLS with a client certificate of the pipeline's CA required. */
  public ServerCredentials serverCredentials() {
    return TlsServerCredentials.newBuilder()
        .keyManager(keyManager)
        .trustManager(trustManager)
        .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
        .build();
  }

  /** For gRPC channels to the pipeline's servers: presents this side's certificate. */
  public ChannelCredentials channelCredentials() {
    return TlsChannelCredentials.newBuilder()
        .keyManager(keyManager)
        .trustManager(trustManager)
        .build();
  }

  /** For jetcd, which takes a Netty {@link SslContext} of its own (unshaded) gRPC transport. */
  public SslContext etcdClientContext() {
    try {
      return GrpcSslContexts.forClient().keyManager(keyManager).trustManager(trustManager).build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot build the etcd client's TLS context", e);
    }
  }
}
