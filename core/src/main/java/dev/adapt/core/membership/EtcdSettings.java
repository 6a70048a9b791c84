package dev.adapt.core.membership;

import dev.adapt.core.security.PeerTls;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * How to reach etcd and how long things may take.
 *
 * @param endpoints client URLs, e.g. {@code http://127.0.0.1:2379}; all {@code https://} or all
 *     {@code http://}
 * @param leaseTtl lifetime of a worker's registration without keep-alive; etcd rounds it up to
 *     whole seconds (and to at least its own minimum, 2 s with default timing)
 * @param operationTimeout how long one read or write may take before it counts as an outage
 * @param tls the identity presented to an etcd that requires client certificates; used only with
 *     {@code https://} endpoints, which cannot be reached without it
 */
public record EtcdSettings(
    List<URI> endpoints, Duration leaseTtl, Duration operationTimeout, Optional<PeerTls> tls) {

  public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(3);
  public static final Duration DEFAULT_OPERATION_TIMEOUT = Duration.ofSeconds(3);

  public EtcdSettings {
    if (endpoints == null || endpoints.isEmpty()) {
      throw new IllegalArgumentException("no etcd endpoints given");
    }
    endpoints = List.copyOf(endpoints);
    if (leaseTtl.toMillis() < 1000) {
      throw new IllegalArgumentException("lease TTL must be at least 1 s, got " + leaseTtl);
    }
    if (operationTimeout.isNegative() || operationTimeout.isZero()) {
      throw new IllegalArgumentException("operation timeout must be positive");
    }
    long secure = endpoints.stream().filter(EtcdSettings::isHttps).count();
    if (secure != 0 && secure != endpoints.size()) {
      throw new IllegalArgumentException("etcd endpoints mix http:// and https://: " + endpoints);
    }
  }

  public EtcdSettings(List<URI> endpoints, Duration leaseTtl, Duration operationTimeout) {
    this(endpoints, leaseTtl, operationTimeout, Optional.empty());
  }

  /** Parses comma-separated endpoints such as {@code http://10.0.0.1:2379,http://10.0.0.2:2379}. */
  public static EtcdSettings of(String endpoints) {
    List<URI> uris =
        Arrays.stream(endpoints.split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .map(EtcdSettings::parseEndpoint)
            .toList();
    return new EtcdSettings(uris, DEFAULT_LEASE_TTL, DEFAULT_OPERATION_TIMEOUT);
  }

  public EtcdSettings withLeaseTtl(Duration ttl) {
    return new EtcdSettings(endpoints, ttl, operationTimeout, tls);
  }

  public EtcdSettings withOperationTimeout(Duration timeout) {
    return new EtcdSettings(endpoints, leaseTtl, timeout, tls);
  }

  /** These settings with {@code identity} for TLS client authentication, when present. */
  public EtcdSettings withTls(Optional<PeerTls> identity) {
    return identity.map(this::withTls).orElse(this);
  }

  /** These settings presenting {@code identity} to etcd (when the endpoints are https://). */
  public EtcdSettings withTls(PeerTls identity) {
    return new EtcdSettings(endpoints, leaseTtl, operationTimeout, Optional.of(identity));
  }

  /** Whether the endpoints are https://: TLS with the client certificate of {@link #tls()}. */
  public boolean secure() {
    return isHttps(endpoints.get(0));
  }

  long leaseTtlSeconds() {
    return (leaseTtl.toMillis() + 999) / 1000;
  }

  private static boolean isHttps(URI endpoint) {
    return "https".equalsIgnoreCase(endpoint.getScheme());
  }

  private static URI parseEndpoint(String endpoint) {
    URI uri = URI.create(endpoint.contains("://") ? endpoint : "http://" + endpoint);
    if (uri.getHost() == null || uri.getPort() < 0) {
      throw new IllegalArgumentException(
          "etcd endpoint '" + endpoint + "' must look like http://host:port");
    }
    return uri;
  }
}
