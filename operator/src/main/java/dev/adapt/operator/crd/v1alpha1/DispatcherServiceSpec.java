package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

@ValidationRule(
    value =
        "self.httpPort != self.grpcPort && self.httpPort != self.metricsPort"
            + " && self.grpcPort != self.metricsPort",
    message = "httpPort, grpcPort and metricsPort must differ")
public class DispatcherServiceSpec {

  public enum ServiceType {
    ClusterIP,
    NodePort,
    LoadBalancer
  }

  @Default("ClusterIP")
  @JsonPropertyDescription("The Service type: ClusterIP, NodePort or LoadBalancer.")
  private ServiceType type = ServiceType.ClusterIP;

  @Default("8000")
  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("Port of the Open Inference Protocol REST endpoint (/v2/...).")
  private Integer httpPort = 8000;

  @Default("8001")
  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("Port of the Open Inference Protocol gRPC endpoint.")
  private Integer grpcPort = 8001;

  @Default("9090")
  @Min(1)
  @Max(65535)
  @JsonPropertyDescription(
      "Service port for Prometheus scraping; it leads to /metrics on the REST endpoint.")
  private Integer metricsPort = 9090;

  public ServiceType getType() {
    return type;
  }

  public void setType(ServiceType type) {
    this.type = type;
  }

  public Integer getHttpPort() {
    return httpPort;
  }

  public void setHttpPort(Integer httpPort) {
    this.httpPort = httpPort;
  }

  public Integer getGrpcPort() {
    return grpcPort;
  }

  public void setGrpcPort(Integer grpcPort) {
    this.grpcPort = grpcPort;
  }

  public Integer getMetricsPort() {
    return metricsPort;
  }

  public void setMetricsPort(Integer metricsPort) {
    this.metricsPort = metricsPort;
  }
}
