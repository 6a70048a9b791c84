package dev.adapt.dispatcher.api;

import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The client API's server identity, from a certificate chain and a PKCS#8 key in PEM files (as a
 * Kubernetes TLS Secret holds them), shared by the HTTPS connector and the gRPC server. The files
 * are read again every {@link #RELOAD_SECONDS} s, so a renewed Secret takes effect on new
 * connections without a restart. Clients present no certificate: who may call is the bearer token's
 * business.
 */
final class ClientTls implements AutoCloseable {
  static final long RELOAD_SECONDS = 60;

  private final AdvancedTlsX509KeyManager keyManager = new AdvancedTlsX509KeyManager();
  private final AdvancedTlsX509KeyManager.Closeable reloading;

  private ClientTls(Path certificate, Path privateKey, ScheduledExecutorService reloader)
      throws IOException, GeneralSecurityException {
    reloading =
        keyManager.updateIdentityCredentials(
            certificate.toFile(), privateKey.toFile(), RELOAD_SECONDS, TimeUnit.SECONDS, reloader);
  }

  /** Loads the files, failing at once and naming them when they are missing or unusable. */
  static ClientTls load(Path certificate, Path privateKey, ScheduledExecutorService reloader) {
    for (Path file : new Path[] {certificate, privateKey}) {
      if (!Files.isReadable(file)) {
        throw new IllegalArgumentException("client TLS file cannot be read: " + file);
      }
    }
    try {
      return new ClientTls(certificate, privateKey, reloader);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read client TLS files " + certificate + ", " + privateKey, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "client TLS files "
              + certificate
              + ", "
              + privateKey
              + " hold no usable certificate and PKCS#8 key: "
              + e.getMessage(),
          e);
    }
  }

  /** For the gRPC server: TLS, no client certificate asked for. */
  ServerCredentials grpcCredentials() {
    return TlsServerCredentials.newBuilder().keyManager(keyManager).build();
  }

  /** For Jetty's HTTPS connector: the same (reloading) key manager. */
  SslContextFactory.Server jettyContextFactory() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {keyManager}, null, null);
      SslContextFactory.Server factory = new SslContextFactory.Server();
      factory.setSslContext(context);
      return factory;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the HTTPS context", e);
    }
  }

  @Override
  public void close() {
    reloading.close();
  }
}
