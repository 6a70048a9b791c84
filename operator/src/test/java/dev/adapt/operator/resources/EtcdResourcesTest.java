package dev.adapt.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.crd.v1alpha1.ManagedEtcdSpec;
import dev.adapt.operator.testing.Samples;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import org.junit.jupiter.api.Test;

class EtcdResourcesTest {

  @Test
  void aSingleMemberKeepsItsDataInAnEmptyDir() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");

    StatefulSet set = EtcdResources.statefulSet(pipeline, "etcd:test");

    assertThat(set.getMetadata().getName()).isEqualTo("resnet50-etcd");
    assertThat(set.getSpec().getReplicas()).isEqualTo(1);
    assertThat(set.getSpec().getServiceName()).isEqualTo("resnet50-etcd-peers");
    assertThat(set.getSpec().getVolumeClaimTemplates()).isEmpty();
    assertThat(set.getSpec().getTemplate().getSpec().getVolumes())
        .filteredOn(v -> v.getName().equals("data"))
        .singleElement()
        .satisfies(v -> assertThat(v.getEmptyDir()).isNotNull());
    assertThat(set.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .contains(
            "--initial-cluster=resnet50-etcd-0=https://resnet50-etcd-0.resnet50-etcd-peers.ml.svc:2380");
  }

  @Test
  void withMutualTlsClientsAndMembersNeedACertificateOfThePipelinesCa() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");

    var pod = EtcdResources.statefulSet(pipeline, "etcd:test").getSpec().getTemplate().getSpec();
    var container = pod.getContainers().get(0);

    assertThat(container.getArgs())
        .contains(
            "--listen-client-urls=https://0.0.0.0:2379",
            "--advertise-client-urls=https://$(POD_NAME).resnet50-etcd-peers.ml.svc:2379",
            "--listen-peer-urls=https://0.0.0.0:2380",
            "--client-cert-auth",
            "--trusted-ca-file=/etc/adapt/peer-tls/ca.crt",
            "--cert-file=/etc/adapt/peer-tls/tls.crt",
            "--key-file=/etc/adapt/peer-tls/tls.key",
            "--peer-client-cert-auth",
            "--peer-trusted-ca-file=/etc/adapt/peer-tls/ca.crt")
        .as("the kubelet probes /health over plain HTTP on the metrics port")
        .contains("--listen-metrics-urls=http://0.0.0.0:2381");
    assertThat(container.getReadinessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(2381);
    assertThat(pod.getVolumes())
        .filteredOn(v -> v.getSecret() != null)
        .extracting(v -> v.getSecret().getSecretName())
        .containsExactly("resnet50-etcd-peer-tls");
    assertThat(EtcdEndpoints.inCluster(pipeline))
        .containsExactly("https://resnet50-etcd.ml.svc:2379");
  }

  @Test
  void withoutMutualTlsEtcdIsPlainText() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");
    pipeline.getSpec().getSecurity().setMutualTls(false);

    var pod = EtcdResources.statefulSet(pipeline, "etcd:test").getSpec().getTemplate().getSpec();

    assertThat(pod.getContainers().get(0).getArgs())
        .contains("--listen-client-urls=http://0.0.0.0:2379")
        .noneMatch(arg -> arg.contains("cert") || arg.contains("https"));
    assertThat(pod.getVolumes()).allSatisfy(v -> assertThat(v.getSecret()).isNull());
    assertThat(EtcdEndpoints.inCluster(pipeline))
        .containsExactly("http://resnet50-etcd.ml.svc:2379");
  }

  @Test
  void threeMembersBootstrapTogetherOnClaims() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");
    ManagedEtcdSpec managed = new ManagedEtcdSpec();
    managed.setReplicas(3);
    managed.setStorage(new Quantity("2Gi"));
    pipeline.getSpec().getEtcd().setManaged(managed);

    StatefulSet set = EtcdResources.statefulSet(pipeline, "etcd:test");

    assertThat(set.getSpec().getPodManagementPolicy()).isEqualTo("Parallel");
    assertThat(set.getSpec().getVolumeClaimTemplates())
        .singleElement()
        .satisfies(
            claim ->
                assertThat(claim.getSpec().getResources().getRequests())
                    .containsEntry("storage", new Quantity("2Gi")));
    assertThat(set.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenDeleted())
        .isEqualTo("Delete");
    String cluster =
        set.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs().stream()
            .filter(a -> a.startsWith("--initial-cluster="))
            .findFirst()
            .orElseThrow();
    assertThat(cluster.split(",")).hasSize(3);
    assertThat(cluster)
        .contains("resnet50-etcd-2=https://resnet50-etcd-2.resnet50-etcd-peers.ml.svc:2380");
  }

  @Test
  void servicesSelectTheMembers() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");
    StatefulSet set = EtcdResources.statefulSet(pipeline, "etcd:test");

    Service peers = EtcdResources.peerService(pipeline);
    Service client = EtcdResources.clientService(pipeline);

    assertThat(peers.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(peers.getSpec().getPublishNotReadyAddresses()).isTrue();
    assertThat(client.getMetadata().getName()).isEqualTo("resnet50-etcd");
    assertThat(set.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(peers.getSpec().getSelector())
        .containsAllEntriesOf(client.getSpec().getSelector())
        .containsAllEntriesOf(set.getSpec().getSelector().getMatchLabels());
    assertThat(client.getMetadata().getLabels()).containsEntry(Labels.COMPONENT, "etcd");
  }
}
