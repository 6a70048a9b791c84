package dev.adapt.operator.resources;

import dev.adapt.operator.crd.v1alpha1.DispatcherServiceSpec;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Who may open connections to a pipeline's pods: workers hear only the pipeline's dispatcher and
 * workers (slices and activations), etcd only the pipeline's pods and the operator's namespace, the
 * dispatcher anyone on its client ports. Each policy selects one component's pods and lists only
 * ingress, so egress stays open and other pods are untouched.
 */
public final class NetworkPolicies {
  /** The label the API server sets on every namespace to its own name. */
  static final String NAMESPACE_NAME = "kubernetes.io/metadata.name";

  private NetworkPolicies() {}

  public static String workersName(InferencePipeline pipeline) {
    return pipeline.getMetadata().getName() + "-workers";
  }

  public static NetworkPolicy workers(InferencePipeline pipeline) {
    return policy(
        pipeline,
        workersName(pipeline),
        Component.WORKER,
        new NetworkPolicyIngressRuleBuilder()
            .withFrom(
                pods(Labels.selector(pipeline, Component.DISPATCHER)),
                pods(Labels.selector(pipeline, Component.WORKER)))
            .build());
  }

  /**
   * The managed etcd's policy.
   *
   * @param operatorNamespace where the operator runs (its etcd client connects from there), or
   *     empty when it runs outside the cluster
   */
  public static NetworkPolicy etcd(InferencePipeline pipeline, String operatorNamespace) {
    List<NetworkPolicyPeer> from = new ArrayList<>();
    from.add(
        pods(
            Map.of(
                Labels.INSTANCE,
                pipeline.getMetadata().getName(),
                Labels.PART_OF,
                Labels.PART_OF_VALUE)));
    if (!operatorNamespace.isBlank()) {
      from.add(
          new NetworkPolicyPeerBuilder()
              .withNamespaceSelector(selector(Map.of(NAMESPACE_NAME, operatorNamespace)))
              .build());
    }
    return policy(
        pipeline,
        Names.etcd(pipeline),
        Component.ETCD,
        new NetworkPolicyIngressRuleBuilder().withFrom(from).build());
  }

  public static NetworkPolicy dispatcher(InferencePipeline pipeline) {
    DispatcherServiceSpec ports = pipeline.getSpec().getDispatcher().getService();
    return policy(
        pipeline,
        Names.dispatcher(pipeline),
        Component.DISPATCHER,
        new NetworkPolicyIngressRuleBuilder()
            .withPorts(tcp(ports.getHttpPort()), tcp(ports.getGrpcPort()))
            .build());
  }

  private static NetworkPolicy policy(
      InferencePipeline pipeline, String name, Component component, NetworkPolicyIngressRule rule) {
    return new NetworkPolicyBuilder()
        .withMetadata(ObjectMetas.of(pipeline, name, component))
        .withNewSpec()
        .withPodSelector(selector(Labels.selector(pipeline, component)))
        .withPolicyTypes("Ingress")
        .withIngress(rule)
        .endSpec()
        .build();
  }

  private static NetworkPolicyPeer pods(Map<String, String> labels) {
    return new NetworkPolicyPeerBuilder().withPodSelector(selector(labels)).build();
  }

  private static NetworkPolicyPort tcp(int port) {
    return new NetworkPolicyPortBuilder()
        .withProtocol("TCP")
        .withPort(new IntOrString(port))
        .build();
  }

  private static LabelSelector selector(Map<String, String> labels) {
    return new LabelSelectorBuilder().withMatchLabels(labels).build();
  }
}
