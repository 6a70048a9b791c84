package dev.adapt.core.membership;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import java.time.Duration;

/**
 * The one place that builds jetcd clients, so that every component reaches etcd the same way:
 * plaintext for {@code http://} endpoints, TLS with the component's client certificate for {@code
 * https://} ones (an etcd started with {@code --client-cert-auth} refuses anyone else).
 */
public final class EtcdClients {
  private EtcdClients() {}

  /**
   * A client for {@code settings}; it connects lazily, so nothing fails here when etcd is down.
   *
   * @throws IllegalArgumentException for https:// endpoints without an identity to present
   */
  public static Client connect(EtcdSettings settings) {
    ClientBuilder builder =
        Client.builder()
            .endpoints(settings.endpoints())
            .connectTimeout(settings.operationTimeout())
            // Notice a dead etcd connection in seconds rather than the default half minute.
            .keepaliveTime(Duration.ofSeconds(5))
            .keepaliveTimeout(Duration.ofSeconds(3));
    if (settings.secure()) {
      builder.sslContext(
          settings
              .tls()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "etcd endpoints "
                              + settings.endpoints()
                              + " are https:// but no TLS identity (--peer-tls-dir) is given"))
              .etcdClientContext());
    }
    return builder.build();
  }
}
