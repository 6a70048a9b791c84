package dev.adapt.operator.certificates;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.resources.Component;
import dev.adapt.operator.resources.Names;
import java.util.ArrayList;
import java.util.List;

/**
 * The host names a component's certificate carries. Only etcd's are checked by anyone: its members
 * verify each other's names, as do etcd clients that verify host names. The dispatcher's and the
 * workers' peers are identified by the CA's signature alone (a worker's address is a pod IP that no
 * one knows when its certificate is issued), so their certificates name only the Service, if any.
 */
final class CertificateNames {
  private static final String CLUSTER_DOMAIN = ".cluster.local";

  private CertificateNames() {}

  static List<String> of(InferencePipeline pipeline, Component holder) {
    return switch (holder) {
      case ETCD -> etcd(pipeline);
      case DISPATCHER -> service(pipeline, Names.dispatcher(pipeline));
      default -> List.of();
    };
  }

  static List<String> addresses(Component holder) {
    // etcd also answers on the pod's loopback (a member's own tools, port-forwards).
    return holder == Component.ETCD ? List.of("127.0.0.1") : List.of();
  }

  private static List<String> etcd(InferencePipeline pipeline) {
    String peers = Names.serviceHost(pipeline, Names.etcdPeers(pipeline));
    List<String> names = new ArrayList<>(service(pipeline, Names.etcd(pipeline)));
    names.add("*." + peers);
    names.add("*." + peers + CLUSTER_DOMAIN);
    names.add("localhost");
    return List.copyOf(names);
  }

  private static List<String> service(InferencePipeline pipeline, String service) {
    String host = Names.serviceHost(pipeline, service);
    return List.of(
        service,
        service + "." + pipeline.getMetadata().getNamespace(),
        host,
        host + CLUSTER_DOMAIN);
  }
}
