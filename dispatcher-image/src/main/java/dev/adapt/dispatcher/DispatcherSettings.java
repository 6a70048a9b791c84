package dev.adapt.dispatcher;

import dev.adapt.core.security.PeerTls;
import dev.adapt.dispatcher.api.ClientApiSecurity;
import dev.adapt.dispatcher.batching.BatchingConfig;
import dev.adapt.dispatcher.routing.RouterConfig;
import java.time.Duration;
import java.util.Optional;

/**
 * How a dispatcher runs.
 *
 * @param host the address the client API binds to
 * @param preloadStandbys whether standby workers get every stage's slice in advance, so that a
 *     promotion needs no transfer (only where workers keep that many slices; off by default)
 * @param peerTls mutual TLS of the pipeline for the calls to workers (slice pushes, batches); empty
 *     is plaintext
 * @param clientSecurity TLS and bearer tokens of the client API (none by default)
 */
public record DispatcherSettings(
    String host,
    int httpPort,
    int grpcPort,
    BatchingConfig batching,
    RouterConfig router,
    int maxBodyBytes,
    int sliceChunkBytes,
    int slicePushAttempts,
    Duration slicePushTimeout,
    boolean preloadStandbys,
    Optional<PeerTls> peerTls,
    ClientApiSecurity clientSecurity) {

  /** These settings with {@code tls} for the calls to workers. */
  public DispatcherSettings withPeerTls(Optional<PeerTls> tls) {
    return new DispatcherSettings(
        host,
        httpPort,
        grpcPort,
        batching,
        router,
        maxBodyBytes,
        sliceChunkBytes,
        slicePushAttempts,
        slicePushTimeout,
        preloadStandbys,
        tls,
        clientSecurity);
  }

  /** Defaults for a pipeline of {@code stages} stages. */
  public static Builder builder(int stages) {
    return new Builder(stages);
  }

  /** Starts from the defaults; every setter returns the builder. */
  public static final class Builder {
    private String host = "0.0.0.0";
    private int httpPort = 8000;
    private int grpcPort = 8001;
    private BatchingConfig batching;
    private RouterConfig router = RouterConfig.defaults();
    private int maxBodyBytes = 64 * 1024 * 1024;
    private int sliceChunkBytes = 1024 * 1024;
    private int slicePushAttempts = 5;
    private Duration slicePushTimeout = Duration.ofMinutes(2);
    private boolean preloadStandbys;
    private Optional<PeerTls> peerTls = Optional.empty();
    private ClientApiSecurity clientSecurity = ClientApiSecurity.NONE;

    private Builder(int stages) {
      batching = BatchingConfig.forStages(stages);
    }

    public Builder ports(String bindHost, int http, int grpc) {
      host = bindHost;
      httpPort = http;
      grpcPort = grpc;
      return this;
    }

    public Builder batching(BatchingConfig config) {
      batching = config;
      return this;
    }

    public Builder router(RouterConfig config) {
      router = config;
      return this;
    }

    public RouterConfig router() {
      return router;
    }

    public Builder preloadStandbys(boolean preload) {
      preloadStandbys = preload;
      return this;
    }

    public Builder peerTls(Optional<PeerTls> tls) {
      peerTls = tls;
      return this;
    }

    public Builder clientSecurity(ClientApiSecurity security) {
      clientSecurity = security;
      return this;
    }

    public DispatcherSettings build() {
      return new DispatcherSettings(
          host,
          httpPort,
          grpcPort,
          batching,
          router,
          maxBodyBytes,
          sliceChunkBytes,
          slicePushAttempts,
          slicePushTimeout,
          preloadStandbys,
          peerTls,
          clientSecurity);
    }
  }
}
