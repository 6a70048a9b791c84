package dev.adapt.operator.resources;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;

/** Service ports that target a named container port. */
final class ServicePorts {

  private ServicePorts() {}

  static ServicePort named(String name, int port) {
    return to(name, port, name);
  }

  static ServicePort to(String name, int port, String containerPort) {
    return new ServicePortBuilder()
        .withName(name)
        .withProtocol("TCP")
        .withPort(port)
        .withTargetPort(new IntOrString(containerPort))
        .build();
  }
}
