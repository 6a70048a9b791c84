package dev.adapt.operator.convergence;

import dev.adapt.core.plan.Partitioning;
import dev.adapt.operator.OperatorConfig;
import dev.adapt.operator.crd.v1alpha1.DispatcherServiceSpec;
import dev.adapt.operator.crd.v1alpha1.EtcdSpec;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.crd.v1alpha1.InferencePipelineSpec;
import dev.adapt.operator.crd.v1alpha1.ManagedEtcdSpec;
import dev.adapt.operator.crd.v1alpha1.PartitioningSpec;
import dev.adapt.operator.crd.v1alpha1.StageReplicas;
import dev.adapt.operator.resources.ModelLocation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds what makes a spec impossible to serve, before anything is deployed for it. The CRD's schema
 * and CEL rules reject most of this at admission already; this check also covers what only the
 * operator knows (its default images) and resources stored under an older schema. Unknown split
 * point names are found by the dispatcher, which knows the model.
 */
public final class SpecValidator {

  private static final Partitioning.Fields SPEC_FIELDS =
      new Partitioning.Fields("spec.partitioning", "splitAt", "stages");

  private SpecValidator() {}

  /** The problems of the spec, each a sentence naming the field; empty when it is valid. */
  public static List<String> problems(InferencePipeline pipeline, OperatorConfig config) {
    InferencePipelineSpec spec = pipeline.getSpec();
    List<String> problems = new ArrayList<>();
    if (spec == null) {
      return List.of("spec is missing");
    }
    if (spec.getModel() == null || isBlank(spec.getModel().getUri())) {
      problems.add("spec.model.uri is required");
    } else {
      try {
        ModelLocation.of(spec.getModel().getUri());
      } catch (IllegalArgumentException e) {
        problems.add("spec.model.uri: " + e.getMessage());
      }
    }
    Optional<Partitioning> partitioning = checkPartitioning(spec.getPartitioning(), problems);
    if (spec.getReplicasPerStage() == null || spec.getReplicasPerStage() < 1) {
      problems.add("spec.replicasPerStage must be at least 1");
    }
    if (spec.getStandbyWorkers() == null || spec.getStandbyWorkers() < 0) {
      problems.add("spec.standbyWorkers must not be negative");
    }
    checkStageReplicas(spec, partitioning, problems);
    if (OperatorConfig.gpus(pipeline) > 0 && config.workerImageFor(pipeline).isBlank()) {
      problems.add(
          "spec.worker.resources.gpu is "
              + OperatorConfig.gpus(pipeline)
              + " but there is no GPU worker image: set spec.worker.gpuImage");
    }
    checkEtcd(spec.getEtcd(), problems);
    checkPorts(spec.getDispatcher().getService(), problems);
    return problems;
  }

  /** Stages the spec asks for: the balanced count, or one more than the split points. */
  public static int stageCount(InferencePipelineSpec spec) {
    PartitioningSpec partitioning = spec.getPartitioning();
    return Partitioning.of(partitioning.getSplitAt(), partitioning.getStages(), SPEC_FIELDS)
        .stageCount();
  }

  /** The partitioning the spec asks for, or empty after adding why it is invalid. */
  private static Optional<Partitioning> checkPartitioning(
      PartitioningSpec partitioning, List<String> problems) {
    if (partitioning == null) {
      problems.add("spec.partitioning is required: set splitAt or stages");
      return Optional.empty();
    }
    List<String> found =
        Partitioning.problems(partitioning.getSplitAt(), partitioning.getStages(), SPEC_FIELDS);
    problems.addAll(found);
    return found.isEmpty()
        ? Optional.of(
            Partitioning.of(partitioning.getSplitAt(), partitioning.getStages(), SPEC_FIELDS))
        : Optional.empty();
  }

  private static void checkStageReplicas(
      InferencePipelineSpec spec, Optional<Partitioning> partitioning, List<String> problems) {
    if (spec.getStageReplicas() == null) {
      return;
    }
    Set<Integer> seen = new HashSet<>();
    for (StageReplicas override : spec.getStageReplicas()) {
      Integer stage = override.getStage();
      if (stage == null || stage < 0) {
        problems.add("spec.stageReplicas[].stage must be at least 0");
        continue;
      }
      int stages = partitioning.map(Partitioning::stageCount).orElse(Integer.MAX_VALUE);
      if (stage >= stages) {
        problems.add(
            "spec.stageReplicas names stage "
                + stage
                + " but there are "
                + stages
                + " stages (0 to "
                + (stages - 1)
                + ")");
      }
      if (!seen.add(stage)) {
        problems.add("spec.stageReplicas names stage " + stage + " twice");
      }
      if (override.getReplicas() == null || override.getReplicas() < 1) {
        problems.add("spec.stageReplicas: stage " + stage + " must have at least 1 replica");
      }
    }
  }

  private static void checkEtcd(EtcdSpec etcd, List<String> problems) {
    if (etcd.getManaged() != null && etcd.getExternal() != null) {
      problems.add("spec.etcd: set at most one of managed and external");
      return;
    }
    if (etcd.usesExternal()) {
      List<String> endpoints = etcd.getExternal().getEndpoints();
      if (endpoints == null || endpoints.isEmpty()) {
        problems.add("spec.etcd.external.endpoints names no endpoint");
      } else {
        endpoints.stream()
            .filter(e -> e == null || !e.matches("https?://[^/]+"))
            .forEach(
                e ->
                    problems.add(
                        "spec.etcd.external.endpoints: '" + e + "' is not http://host:port"));
      }
      return;
    }
    ManagedEtcdSpec managed = etcd.managedOrDefault();
    int replicas = managed.getReplicas() == null ? 1 : managed.getReplicas();
    if (replicas < 1 || replicas % 2 == 0) {
      problems.add("spec.etcd.managed.replicas must be odd (1, 3, 5 or 7), not " + replicas);
    } else if (replicas > 1 && managed.getStorage() == null) {
      problems.add(
          "spec.etcd.managed.storage is required with more than one etcd member (a member that"
              + " lost its data cannot rejoin)");
    }
  }

  private static void checkPorts(DispatcherServiceSpec ports, List<String> problems) {
    Set<Integer> distinct =
        new HashSet<>(List.of(ports.getHttpPort(), ports.getGrpcPort(), ports.getMetricsPort()));
    if (distinct.size() < 3) {
      problems.add("spec.dispatcher.service: httpPort, grpcPort and metricsPort must differ");
    }
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }
}
