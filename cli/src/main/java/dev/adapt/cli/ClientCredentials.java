package dev.adapt.cli;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.Metadata;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * What {@code adapt bench} presents to a secured client API: a bearer token, and the CA it trusts
 * for HTTPS and gRPC with TLS (the JVM's default trust when none is given).
 *
 * @param token the bearer token, or null to send none
 * @param caCertificate PEM certificates of the CAs to trust, or null for the JVM's default trust
 */
record ClientCredentials(String token, Path caCertificate) {
  static final ClientCredentials NONE = new ClientCredentials(null, null);

  /** {@code builder} with the trusted CA, if one is given. */
  HttpClient.Builder http(HttpClient.Builder builder) {
    return caCertificate == null ? builder : builder.sslContext(sslContext());
  }

  /** {@code request} with {@code Authorization: Bearer <token>}, if a token is given. */
  HttpRequest.Builder authorize(HttpRequest.Builder request) {
    return token == null ? request : request.header("Authorization", "Bearer " + token);
  }

  /** A channel to {@code target}, with TLS when {@code tls}, sending the token as metadata. */
  NettyChannelBuilder grpc(String target, boolean tls) {
    ChannelCredentials credentials = InsecureChannelCredentials.create();
    if (tls) {
      TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
      if (caCertificate != null) {
        try {
          builder.trustManager(caCertificate.toFile());
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read the CA certificate " + caCertificate, e);
        }
      }
      credentials = builder.build();
    }
    NettyChannelBuilder channel = NettyChannelBuilder.forTarget(target, credentials);
    if (token != null) {
      Metadata headers = new Metadata();
      headers.put(
          Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
      channel.intercept(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    return channel;
  }

  private SSLContext sslContext() {
    try (InputStream in = Files.newInputStream(caCertificate)) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate certificate :
          CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca-" + i++, certificate);
      }
      if (i == 0) {
        throw new IllegalArgumentException("no certificate in " + caCertificate);
      }
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the CA certificate " + caCertificate, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "the CA certificate " + caCertificate + " is unusable: " + e.getMessage(), e);
    }
  }
}
