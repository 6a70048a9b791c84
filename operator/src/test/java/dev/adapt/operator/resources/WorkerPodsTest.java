package dev.adapt.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.operator.OperatorConfig;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.testing.Samples;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class WorkerPodsTest {

  private static final OperatorConfig CONFIG = OperatorConfig.defaults();

  private static Pod pod(InferencePipeline pipeline, String name) {
    return WorkerPods.template(pipeline, CONFIG.workerImageFor(pipeline)).pod(name);
  }

  private static Map<String, EnvVar> env(Container container) {
    return container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
  }

  @Test
  void gpuWorkersAskForGpusAndRunTheGpuImage() {
    InferencePipeline pipeline = Samples.load(Samples.GPU, "ml");

    Pod pod = pod(pipeline, "resnet50-gpu-worker-0");
    Container worker = pod.getSpec().getContainers().get(0);

    assertThat(worker.getImage()).isEqualTo("ghcr.io/adapt-dev/adapt-worker:0.1.0-gpu");
    assertThat(worker.getResources().getLimits())
        .containsEntry(WorkerPods.GPU_RESOURCE, new Quantity("1"))
        .containsEntry("memory", new Quantity("4Gi"));
    assertThat(worker.getResources().getRequests()).containsEntry("cpu", new Quantity("2"));
    assertThat(pod.getSpec().getTolerations())
        .anySatisfy(t -> assertThat(t.getKey()).isEqualTo(WorkerPods.GPU_RESOURCE));
  }

  @Test
  void cpuWorkersAskForNoGpu() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");

    Container worker = pod(pipeline, "resnet50-worker-0").getSpec().getContainers().get(0);

    assertThat(worker.getImage()).isEqualTo(OperatorConfig.DEFAULT_WORKER_IMAGE);
    assertThat(worker.getResources().getLimits()).doesNotContainKey(WorkerPods.GPU_RESOURCE);
  }

  @Test
  void workersKnowTheirPipelineEtcdAndIdentity() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");

    Container worker = pod(pipeline, "resnet50-worker-3").getSpec().getContainers().get(0);

    assertThat(worker.getArgs())
        .containsExactly(
            "--pipeline=ml.resnet50",
            "--worker-id=$(ADAPT_POD_NAME)",
            "--port=9000",
            "--advertise-address=$(ADAPT_POD_IP):9000",
            "--etcd=https://resnet50-etcd.ml.svc:2379",
            "--metrics-port=9090",
            "--peer-tls-dir=/etc/adapt/peer-tls",
            "--health-port=9091");
    Map<String, EnvVar> env = env(worker);
    assertThat(env.get(CommandLines.POD_NAME).getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("metadata.name");
    assertThat(env.get(CommandLines.POD_IP).getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("status.podIP");
  }

  @Test
  void userEnvironmentComesAfterTheOperatorsAndTheRootFileSystemIsReadOnly() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");
    pipeline.getSpec().getWorker().getEnv().add(new EnvVar("TF_CPP_MIN_LOG_LEVEL", "2", null));

    Container worker = pod(pipeline, "resnet50-worker-0").getSpec().getContainers().get(0);

    assertThat(worker.getEnv())
        .extracting(EnvVar::getName)
        .containsExactly(CommandLines.POD_NAME, CommandLines.POD_IP, "TF_CPP_MIN_LOG_LEVEL");
    assertThat(worker.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(worker.getVolumeMounts())
        .extracting(m -> m.getMountPath())
        .containsExactly("/tmp", "/home/adapt", "/etc/adapt/peer-tls");
  }

  @Test
  void podsCarryTheRecommendedLabelsAndRunAsNonRoot() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");

    Pod pod = pod(pipeline, "resnet50-worker-0");

    assertThat(pod.getMetadata().getLabels())
        .containsEntry(Labels.NAME, "adapt-worker")
        .containsEntry(Labels.INSTANCE, "resnet50")
        .containsEntry(Labels.COMPONENT, "worker")
        .containsEntry(Labels.MANAGED_BY, "adapt-operator")
        .containsEntry(Labels.PART_OF, "adapt")
        .containsKey(Labels.TEMPLATE_HASH);
    assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
    var container = pod.getSpec().getContainers().get(0).getSecurityContext();
    assertThat(container.getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(pod.getSpec().getContainers().get(0).getReadinessProbe().getGrpc().getPort())
        .as("the kubelet has no certificate: it probes the plaintext health port")
        .isEqualTo(WorkerPods.HEALTH_PORT);
  }

  @Test
  void withoutMutualTlsWorkersMountNoCertificateAndAreProbedOnTheirGrpcPort() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");
    pipeline.getSpec().getSecurity().setMutualTls(false);

    Pod pod = pod(pipeline, "resnet50-worker-0");
    Container worker = pod.getSpec().getContainers().get(0);

    assertThat(worker.getArgs())
        .contains("--etcd=http://resnet50-etcd.ml.svc:2379")
        .noneMatch(arg -> arg.startsWith("--peer-tls-dir") || arg.startsWith("--health-port"));
    assertThat(pod.getSpec().getVolumes()).allSatisfy(v -> assertThat(v.getSecret()).isNull());
    assertThat(worker.getLivenessProbe().getGrpc().getPort()).isEqualTo(WorkerPods.GRPC_PORT);
  }

  @Test
  void workersMountTheirComponentsCertificateReadableByTheirGroupOnly() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");

    Pod pod = pod(pipeline, "resnet50-worker-0");

    assertThat(pod.getSpec().getVolumes())
        .filteredOn(v -> v.getSecret() != null)
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.getSecret().getSecretName()).isEqualTo("resnet50-worker-peer-tls");
              assertThat(v.getSecret().getDefaultMode()).isEqualTo(0440);
            });
    assertThat(pod.getSpec().getContainers().get(0).getVolumeMounts())
        .filteredOn(m -> m.getMountPath().equals(PeerTlsSecrets.DIRECTORY))
        .singleElement()
        .satisfies(m -> assertThat(m.getReadOnly()).isTrue());
  }

  @Test
  void theTemplateHashChangesWithThePodSpecOnly() {
    InferencePipeline pipeline = Samples.load(Samples.BALANCED, "ml");
    String hash = WorkerPods.template(pipeline, "img:1").hash();

    assertThat(WorkerPods.template(pipeline, "img:1").hash()).isEqualTo(hash);
    assertThat(WorkerPods.template(pipeline, "img:2").hash()).isNotEqualTo(hash);
    pipeline.getSpec().setReplicasPerStage(5);
    assertThat(WorkerPods.template(pipeline, "img:1").hash())
        .as("scaling does not replace pods")
        .isEqualTo(hash);
    pipeline.getSpec().getWorker().getResources().setMemory(new Quantity("8Gi"));
    assertThat(WorkerPods.template(pipeline, "img:1").hash()).isNotEqualTo(hash);
  }
}
