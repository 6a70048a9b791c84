package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

public class SecuritySpec {

  @Default("true")
  @JsonPropertyDescription(
      "Mutual TLS among the pipeline's dispatcher, workers and managed etcd: the operator creates"
          + " a certificate authority for this pipeline, issues every component's certificate into"
          + " Secrets and renews them before they expire. A worker accepts slices and activations"
          + " only from peers holding a certificate of this CA.")
  private Boolean mutualTls = true;

  @Default("true")
  @JsonPropertyDescription(
      "A NetworkPolicy for the pipeline: workers accept traffic only from its dispatcher and"
          + " workers, etcd only from its pods and the operator's namespace, the dispatcher's"
          + " client ports from anywhere.")
  private Boolean networkPolicy = true;

  @JsonPropertyDescription(
      "TLS on the client API (OIP REST and gRPC), with the certificate and key of a Secret of"
          + " type kubernetes.io/tls. Without it the client API is plain text.")
  private ClientTlsSpec clientTls;

  @JsonPropertyDescription(
      "Bearer-token authorisation of the client API. Without it every client may call it.")
  private ClientAuthSpec clientAuth;

  public Boolean getMutualTls() {
    return mutualTls;
  }

  public void setMutualTls(Boolean mutualTls) {
    this.mutualTls = mutualTls;
  }

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
