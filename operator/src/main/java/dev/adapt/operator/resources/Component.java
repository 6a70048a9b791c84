package dev.adapt.operator.resources;

/** The parts of a pipeline the operator creates; each has its own labels and informer. */
public enum Component {
  ETCD("etcd", "etcd"),
  DISPATCHER("dispatcher", "adapt-dispatcher"),
  WORKER("worker", "adapt-worker"),
  /** The Secrets of the pipeline's CA and of its components' certificates. */
  PEER_TLS("peer-tls", "adapt-peer-tls");

  private final String label;
  private final String appName;

  Component(String label, String appName) {
    this.label = label;
    this.appName = appName;
  }

  /** The value of {@code app.kubernetes.io/component}. */
  public String label() {
    return label;
  }

  /** The value of {@code app.kubernetes.io/name}. */
  public String appName() {
    return appName;
  }
}
