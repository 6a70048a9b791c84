package dev.adapt.worker;

import dev.adapt.proto.v1.WorkerGrpc;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One channel per next-hop address, kept for the life of the worker. Channels notice a dead peer
 * through a broken connection at once and through keep-alive pings within seconds when a host
 * vanishes without closing its connections.
 */
final class PeerChannels implements AutoCloseable {
  /** Room for a batch of 8 ResNet-50 activations (about 26 MB) uncompressed, with margin. */
  static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Executor executor;
  private final Function<String, ManagedChannelBuilder<?>> builders;

  PeerChannels(Executor executor, Function<String, ManagedChannelBuilder<?>> builders) {
    this.executor = executor;
    this.builders = builders;
  }

  /** Plain-text channels over TCP, as between pods or processes on one host. */
  static ManagedChannelBuilder<?> plaintext(String address) {
    return secured(address, InsecureChannelCredentials.create());
  }

  /** Channels with {@code credentials}: this worker's certificate when peers require mutual TLS. */
  static ManagedChannelBuilder<?> secured(String address, ChannelCredentials credentials) {
    return Grpc.newChannelBuilder(address, credentials)
        .keepAliveTime(10, TimeUnit.SECONDS)
        .keepAliveTimeout(5, TimeUnit.SECONDS);
  }

  WorkerGrpc.WorkerStub stub(String address) {
    return WorkerGrpc.newStub(channels.computeIfAbsent(address, this::open));
  }

  private ManagedChannel open(String address) {
    return builders
        .apply(address)
        .executor(executor)
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .build();
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdown);
    for (ManagedChannel channel : channels.values()) {
      try {
        if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
          channel.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        channel.shutdownNow();
      }
    }
  }
}
