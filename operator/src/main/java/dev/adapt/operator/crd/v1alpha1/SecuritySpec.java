package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

public class SecuritySpec {

  @Default("true")
  @JsonPropertyDescription(
      "NetworkPolicies for the pipeline: workers accept connections only from its dispatcher"
          + " and workers, the managed etcd only from its pods and the operator's namespace, the"
          + " dispatcher only on its client ports (from anywhere). They take effect where the"
          + " cluster's network plugin enforces NetworkPolicies.")
  private Boolean networkPolicy = true;

  @JsonPropertyDescription(
      "TLS on the client API (OIP REST and gRPC), with the certificate and key of a Secret of"
          + " type kubernetes.io/tls. Without it the client API is plain text.")
  private ClientTlsSpec clientTls;

  @JsonPropertyDescription(
      "Bearer-token authorisation of the client API. Without it every client may call it.")
  private ClientAuthSpec clientAuth;

  public Boolean getNetworkPolicy() {
    return networkPolicy;
  }

  public void setNetworkPolicy(Boolean networkPolicy) {
    this.networkPolicy = networkPolicy;
  }

  public ClientTlsSpec getClientTls() {
    return clientTls;
  }

  public void setClientTls(ClientTlsSpec clientTls) {
    this.clientTls = clientTls;
  }

  public ClientAuthSpec getClientAuth() {
    return clientAuth;
  }

  public void setClientAuth(ClientAuthSpec clientAuth) {
    this.clientAuth = clientAuth;
  }
}
