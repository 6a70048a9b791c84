package dev.adapt.dispatcher.api;

import dev.adapt.core.concurrent.NamedThreads;
import dev.adapt.dispatcher.metrics.DispatcherMetrics;
import dev.adapt.dispatcher.requests.InferenceService;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client-facing servers: OIP over HTTP (Jetty) and over gRPC, with the gRPC health service;
 * with TLS and bearer-token checks when {@link ClientApiSecurity} asks for them.
 */
public final class ClientServers implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClientServers.class);

  private final org.eclipse.jetty.server.Server http;
  private final ServerConnector connector;
  private final Server grpc;
  private final ExecutorService grpcExecutor;
  private final HealthStatusManager health = new HealthStatusManager();
  private final ClientApiSecurity security;
  private final ScheduledExecutorService reloader;
  private final ClientTls tls;

  public ClientServers(
      InferenceService service,
      DispatcherMetrics metrics,
      String host,
      int httpPort,
      int grpcPort,
      int maxBodyBytes) {
    this(service, metrics, host, httpPort, grpcPort, maxBodyBytes, ClientApiSecurity.NONE);
  }

  public ClientServers(
      InferenceService service,
      DispatcherMetrics metrics,
      String host,
      int httpPort,
      int grpcPort,
      int maxBodyBytes,
      ClientApiSecurity security) {
    this.security = security;
    reloader =
        security.tls() || security.tokensRequired()
            ? Executors.newSingleThreadScheduledExecutor(NamedThreads.daemon("client-api-reload"))
            : null;
    tls =
        security.tls()
            ? ClientTls.load(security.certificate(), security.privateKey(), reloader)
            : null;
    BearerTokens tokens = security.tokensRequired() ? BearerTokens.load(security.tokens()) : null;
    if (tokens != null) {
      reloader.scheduleWithFixedDelay(
          tokens::reload, ClientTls.RELOAD_SECONDS, ClientTls.RELOAD_SECONDS, TimeUnit.SECONDS);
    }

    QueuedThreadPool threads = new QueuedThreadPool(32, 4);
    threads.setName("http");
    http = new org.eclipse.jetty.server.Server(threads);
    HttpConfiguration config = new HttpConfiguration();
    config.setSendServerVersion(false);
    HttpConnectionFactory plain = new HttpConnectionFactory(config);
    if (tls != null) {
      // Kubelet probes and clients often reach a pod by IP, which SNI cannot name: no SNI check.
      config.addCustomizer(new SecureRequestCustomizer(false));
      connector =
          new ServerConnector(
              http,
              1,
              1,
              new SslConnectionFactory(tls.jettyContextFactory(), plain.getProtocol()),
              plain);
    } else {
      connector = new ServerConnector(http, 1, 1, plain);
    }
    connector.setHost(host);
    connector.setPort(httpPort);
    http.addConnector(connector);
    Handler oip = new OipHttpHandler(service, metrics, maxBodyBytes);
    http.setHandler(tokens == null ? oip : new BearerAuthHandler(tokens, oip));
    http.setStopTimeout(2000);

    grpcExecutor = Executors.newFixedThreadPool(8, NamedThreads.daemon("grpc-client-api"));
    InetSocketAddress grpcAddress = new InetSocketAddress(host, grpcPort);
    NettyServerBuilder builder =
        tls == null
            ? NettyServerBuilder.forAddress(grpcAddress)
            : NettyServerBuilder.forAddress(grpcAddress, tls.grpcCredentials());
    if (tokens != null) {
      builder.intercept(new BearerAuthInterceptor(tokens));
    }
    grpc =
        builder
            .executor(grpcExecutor)
            .maxInboundMessageSize(maxBodyBytes)
            .addService(new OipGrpcService(service))
            .addService(health.getHealthService())
            .build();
    health.setStatus("", ServingStatus.NOT_SERVING);
  }

  public void start() {
    try {
      http.start();
      grpc.start();
    } catch (IOException e) {
      close();
      throw new UncheckedIOException("cannot start the client API", e);
    } catch (Exception e) {
      close();
      throw new IllegalStateException("cannot start the client API: " + e.getMessage(), e);
    }
    log.info(
        "client API listening: {} on port {}, gRPC{} on port {}{}",
        security.tls() ? "HTTPS" : "HTTP",
        httpPort(),
        security.tls() ? " with TLS" : "",
        grpcPort(),
        security.tokensRequired() ? "; bearer tokens required" : "");
  }

  public int httpPort() {
    return connector.getLocalPort();
  }

  public int grpcPort() {
    return grpc.getPort();
  }

  /** Mirrors readiness into the gRPC health service. */
  public void serving(boolean ready) {
    health.setStatus("", ready ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  }

  /** Stops accepting connections; answers still on their way get a short grace period. */
  @Override
  public void close() {
    health.enterTerminalState();
    grpc.shutdown();
    try {
      http.stop();
    } catch (Exception e) {
      log.warn("stopping the HTTP server failed", e);
    }
    try {
      if (!grpc.awaitTermination(2, TimeUnit.SECONDS)) {
        grpc.shutdownNow();
      }
    } catch (InterruptedException e) {
      grpc.shutdownNow();
      Thread.currentThread().interrupt();
    }
    grpcExecutor.shutdownNow();
    if (tls != null) {
      tls.close();
    }
    if (reloader != null) {
      reloader.shutdownNow();
    }
  }
}
