package dev.adapt.operator.resources;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import java.util.List;

/**
 * How the operator reaches a pipeline's etcd. Pods always get {@link #inCluster}; the operator uses
 * the same unless told otherwise (tests point it at an etcd of their own).
 */
@FunctionalInterface
public interface EtcdEndpoints {

  EtcdEndpoints IN_CLUSTER = EtcdEndpoints::inCluster;

  List<String> forOperator(InferencePipeline pipeline);

  /** The external endpoints, or the client Service of the managed etcd (https with mutual TLS). */
  static List<String> inCluster(InferencePipeline pipeline) {
    var etcd = pipeline.getSpec().getEtcd();
    if (etcd.usesExternal()) {
      return List.copyOf(etcd.getExternal().getEndpoints());
    }
    return List.of(
        EtcdResources.scheme(pipeline)
            + "://"
            + Names.serviceHost(pipeline, Names.etcd(pipeline))
            + ":"
            + Names.ETCD_CLIENT_PORT);
  }
}
