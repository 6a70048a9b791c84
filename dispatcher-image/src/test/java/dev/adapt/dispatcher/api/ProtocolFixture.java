package dev.adapt.dispatcher.api;

import dev.adapt.dispatcher.batching.Batcher;
import dev.adapt.dispatcher.batching.BatchingConfig;
import dev.adapt.dispatcher.batching.RowStatsRunner;
import dev.adapt.dispatcher.metrics.DispatcherMetrics;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/** A dispatcher front end over {@link RowStatsRunner}, on ephemeral loopback ports. */
final class ProtocolFixture implements AutoCloseable {
  final RowStatsRunner runner = new RowStatsRunner();
  final DispatcherMetrics metrics = new DispatcherMetrics();
  final AtomicBoolean ready = new AtomicBoolean(true);
  final Batcher batcher;
  final ClientServers servers;

  ProtocolFixture(BatchingConfig config, int maxBodyBytes) {
    this(config, maxBodyBytes, ClientApiSecurity.NONE);
  }

  ProtocolFixture(BatchingConfig config, int maxBodyBytes, ClientApiSecurity security) {
    batcher = new Batcher(runner, config, metrics);
    servers =
        new ClientServers(
            new BatchingService(RowStatsRunner.MODEL, batcher, ready::get),
            metrics,
            "127.0.0.1",
            0,
            0,
            maxBodyBytes,
            security);
    servers.start();
    servers.serving(true);
  }

  static ProtocolFixture standard() {
    return secured(ClientApiSecurity.NONE);
  }

  static ProtocolFixture secured(ClientApiSecurity security) {
    return new ProtocolFixture(
        new BatchingConfig(8, Duration.ofMillis(2), 64, 2, Duration.ofSeconds(30)),
        1 << 20,
        security);
  }

  String http() {
    return "http://127.0.0.1:" + servers.httpPort();
  }

  @Override
  public void close() {
    runner.open();
    servers.close();
    batcher.close();
  }
}
