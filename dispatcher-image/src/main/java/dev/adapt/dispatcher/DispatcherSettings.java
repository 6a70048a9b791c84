package dev.adapt.dispatcher;

import java.time.Duration;

/**
 * How a dispatcher runs.
 *
 * @param host the address the client API binds to
 * @param preloadStandbys whether standby workers get every stage's slice in advance, so that a
 *     promotion needs no transfer
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
    ChunkTamper chunkTamper) {

  public static DispatcherSettings defaults(int stages) {
    return new DispatcherSettings(
        "0.0.0.0",
        8000,
        8001,
        BatchingConfig.forStages(stages),
        RouterConfig.defaults(),
        64 * 1024 * 1024,
        1024 * 1024,
        5,
        Duration.ofMinutes(2),
        true,
        ChunkTamper.NONE);
  }

  public DispatcherSettings withPorts(String bindHost, int http, int grpc) {
    return new DispatcherSettings(
        bindHost,
        http,
        grpc,
        batching,
        router,
        maxBodyBytes,
        sliceChunkBytes,
        slicePushAttempts,
        slicePushTimeout,
        preloadStandbys,
        chunkTamper);
  }

  public DispatcherSettings withBatching(BatchingConfig config) {
    return new DispatcherSettings(
        host,
        httpPort,
        grpcPort,
        config,
        router,
        maxBodyBytes,
        sliceChunkBytes,
        slicePushAttempts,
        slicePushTimeout,
        preloadStandbys,
        chunkTamper);
  }

  public DispatcherSettings withRouter(RouterConfig config) {
    return new DispatcherSettings(
        host,
        httpPort,
        grpcPort,
        batching,
        config,
        maxBodyBytes,
        sliceChunkBytes,
        slicePushAttempts,
        slicePushTimeout,
        preloadStandbys,
        chunkTamper);
  }

  public DispatcherSettings withChunkTamper(ChunkTamper tamper) {
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
        tamper);
  }
}
