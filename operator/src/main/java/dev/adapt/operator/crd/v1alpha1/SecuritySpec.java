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

  @Default("true")
  @JsonPropertyDescription(
      "Mutual TLS inside the pipeline: the operator creates a certificate authority for the"
          + " pipeline (Secret <name>-ca) and issues the dispatcher's, the workers' and the managed"
          + " etcd's certificates into Secrets, renewed before they expire. Workers then accept"
          + " slices and activations only from peers with a certificate of that CA, and the"
          + " managed etcd serves TLS with client-certificate authentication. An external etcd"
          + " is used as its endpoints say.")
  private Boolean mutualTls = true;

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

  public Boolean getMutualTls() {
    return mutualTls;
  }

  public void setMutualTls(Boolean mutualTls) {
    this.mutualTls = mutualTls;
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
