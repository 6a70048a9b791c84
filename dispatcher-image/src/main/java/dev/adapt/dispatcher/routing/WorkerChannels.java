package dev.adapt.dispatcher.routing;

import dev.adapt.dispatcher.plans.Replica;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptor;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One gRPC channel per worker process. A restarted worker gets a new channel, so that it is not
 * held back by the reconnect backoff of its predecessor's. Channels of processes that left the
 * membership are closed after a grace period (a worker may briefly vanish while it re-registers).
 */
public final class WorkerChannels implements AutoCloseable {
  private static final int MAX_MESSAGE_BYTES = 512 * 1024 * 1024;

  private record Key(String address, long incarnation) {}

  private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final ChannelCredentials credentials;
  private final List<ClientInterceptor> interceptors;
  private final Map<Key, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Map<Key, Long> lastSeen = new ConcurrentHashMap<>();

  /** Plaintext channels. */
  public WorkerChannels() {
    this(InsecureChannelCredentials.create());
  }

  /** Channels with {@code credentials}: the dispatcher's certificate when workers require mTLS. */
  public WorkerChannels(ChannelCredentials credentials) {
    this(credentials, List.of());
  }

  /**
   * Channels whose every call goes through {@code interceptors}, in the order of {@link
   * io.grpc.ManagedChannelBuilder#intercept(List)}.
   */
  public WorkerChannels(ChannelCredentials credentials, List<ClientInterceptor> interceptors) {
    this.credentials = credentials;
    this.interceptors = List.copyOf(interceptors);
  }

  public ManagedChannel channel(Replica replica) {
    return channel(replica.address(), replica.incarnation());
  }

  public ManagedChannel channel(String address, long incarnation) {
    Key key = new Key(address, incarnation);
    lastSeen.put(key, System.nanoTime());
    return channels.compute(
        key,
        (k, existing) ->
            existing != null && !existing.isShutdown()
                ? existing
                : NettyChannelBuilder.forTarget(k.address(), credentials)
                    .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                    .intercept(interceptors)
                    .build());
  }

  /** Closes the channels of processes that have not been among {@code live} for a while. */
  public void retainOnly(Set<Replica> live) {
    long now = System.nanoTime();
    Set<Key> keep =
        live.stream().map(r -> new Key(r.address(), r.incarnation())).collect(Collectors.toSet());
    keep.forEach(key -> lastSeen.put(key, now));
    channels
        .entrySet()
        .removeIf(
            entry -> {
              Long seen = lastSeen.get(entry.getKey());
              if (seen != null && now - seen < GRACE_NANOS) {
                return false;
              }
              lastSeen.remove(entry.getKey());
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
