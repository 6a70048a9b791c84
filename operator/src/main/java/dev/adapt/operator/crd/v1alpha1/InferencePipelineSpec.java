package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

@ValidationRule(
    value =
        "!has(self.stageReplicas) || !has(self.partitioning.stages)"
            + " || self.stageReplicas.all(o, o.stage < self.partitioning.stages)",
    message = "stageReplicas[].stage must be lower than partitioning.stages")
@ValidationRule(
    value =
        "!has(self.stageReplicas) || !has(self.partitioning.splitAt)"
            + " || self.stageReplicas.all(o, o.stage <= size(self.partitioning.splitAt))",
    message = "stageReplicas[].stage must be at most the number of split points in splitAt")
public class InferencePipelineSpec {

  @Required
  @JsonPropertyDescription("The model to serve and the signature to call.")
  private ModelSpec model;

  @Required
  @JsonPropertyDescription(
      "How the model is cut into stages: either named split points or a number of balanced"
          + " stages.")
  private PartitioningSpec partitioning;

  @Default("1")
  @Min(1)
  @JsonPropertyDescription("Worker replicas of every stage, unless stageReplicas says otherwise.")
  private Integer replicasPerStage = 1;

  @Size(max = 64)
  @ValidationRule(
      value = "self.all(a, self.exists_one(b, b.stage == a.stage))",
      message = "stageReplicas names a stage more than once")
  @JsonPropertyDescription("Per-stage replica counts that override replicasPerStage.")
  private List<StageReplicas> stageReplicas = new ArrayList<>();

  @Default("0")
  @Min(0)
  @JsonPropertyDescription(
      "Extra workers that hold no stage and take over the stage of a failed worker at once.")
  private Integer standbyWorkers = 0;

  @Default("{}")
  @JsonPropertyDescription("The worker pods: image, resources (including GPUs) and placement.")
  private WorkerSpec worker = new WorkerSpec();

  @Default("{}")
  @JsonPropertyDescription("The dispatcher: the pipeline's inference endpoint.")
  private DispatcherSpec dispatcher = new DispatcherSpec();

  @JsonPropertyDescription(
      "The etcd cluster that holds membership, plan and stage assignments: managed by the"
          + " operator (the default) or external.")
  private EtcdSpec etcd = new EtcdSpec();

  @Default("{}")
  @JsonPropertyDescription("How activations travel between stages.")
  private TransportSpec transport = new TransportSpec();

  @Default("{}")
  @JsonPropertyDescription(
      "Who may reach what: the NetworkPolicies, TLS and authorisation on the client API.")
  private SecuritySpec security = new SecuritySpec();

  public ModelSpec getModel() {
    return model;
  }

  public void setModel(ModelSpec model) {
    this.model = model;
  }

  public PartitioningSpec getPartitioning() {
    return partitioning;
  }

  public void setPartitioning(PartitioningSpec partitioning) {
    this.partitioning = partitioning;
  }

  public Integer getReplicasPerStage() {
    return replicasPerStage;
  }

  public void setReplicasPerStage(Integer replicasPerStage) {
    this.replicasPerStage = replicasPerStage;
  }

  public List<StageReplicas> getStageReplicas() {
    return stageReplicas;
  }

  public void setStageReplicas(List<StageReplicas> stageReplicas) {
    this.stageReplicas = stageReplicas;
  }

  public Integer getStandbyWorkers() {
    return standbyWorkers;
  }

  public void setStandbyWorkers(Integer standbyWorkers) {
    this.standbyWorkers = standbyWorkers;
  }

  public WorkerSpec getWorker() {
    return worker;
  }

  public void setWorker(WorkerSpec worker) {
    this.worker = worker;
  }

  public DispatcherSpec getDispatcher() {
    return dispatcher;
  }

  public void setDispatcher(DispatcherSpec dispatcher) {
    this.dispatcher = dispatcher;
  }

  public EtcdSpec getEtcd() {
    return etcd;
  }

  public void setEtcd(EtcdSpec etcd) {
    this.etcd = etcd;
  }

  public TransportSpec getTransport() {
    return transport;
  }

  public void setTransport(TransportSpec transport) {
    this.transport = transport;
  }

  public SecuritySpec getSecurity() {
    return security;
  }

  public void setSecurity(SecuritySpec security) {
    this.security = security;
  }
}
