package dev.adapt.dispatcher;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One gRPC channel per worker process. A restarted worker gets a new channel, so that it is not
 * held back by the reconnect backoff of its predecessor's.
 */
public final class WorkerChannels implements AutoCloseable {
  private static final int MAX_MESSAGE_BYTES = 512 * 1024 * 1024;

  private record Key(String address, long incarnation) {}

  private final Map<Key, ManagedChannel> channels = new ConcurrentHashMap<>();

  public ManagedChannel channel(Replica replica) {
    return channel(replica.address(), replica.incarnation());
  }

  public ManagedChannel channel(String address, long incarnation) {
    return channels.computeIfAbsent(
        new Key(address, incarnation),
        key ->
            NettyChannelBuilder.forTarget(key.address())
                .usePlaintext()
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .build());
  }

  /** Closes the channels of processes no longer among {@code live}. */
  public void retainOnly(Set<Replica> live) {
    Set<Key> keep =
        live.stream().map(r -> new Key(r.address(), r.incarnation())).collect(Collectors.toSet());
    channels
        .entrySet()
        .removeIf(
            entry -> {
              if (keep.contains(entry.getKey())) {
                return false;
              }
              entry.getValue().shutdown();
              return true;
            });
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdown);
    for (ManagedChannel channel : channels.values()) {
      try {
        if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
          channel.shutdownNow();
        }
      } catch (InterruptedException e) {
        channel.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    channels.clear();
  }
}
