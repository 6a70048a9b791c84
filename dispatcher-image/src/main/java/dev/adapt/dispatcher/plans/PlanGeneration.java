package dev.adapt.dispatcher.plans;

import dev.adapt.core.membership.MembershipSnapshot;
import dev.adapt.core.membership.PlanRecord;
import dev.adapt.core.membership.PlanStage;
import dev.adapt.core.membership.WorkerRecord;
import dev.adapt.core.model.ModelSource;
import dev.adapt.dispatcher.requests.ModelInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One plan the dispatcher routes through: its stages' slice hashes, the replicas that serve them,
 * and, while the slices may still have to be pushed to workers, the slices themselves. A worker is
 * a replica of a stage only when its assignment names this plan's generation.
 */
public final class PlanGeneration {
  private final long generation;
  private final ModelInfo model;
  private final ModelSource source;
  private final PlanRecord plan;
  private final int maxInFlightBatches;
  private final ReplicaTable replicas;
  private volatile ServedPipeline withSlices;
  private int admitted;

  PlanGeneration(ServedPipeline pipeline, int maxInFlightBatches, ReplicaTable replicas) {
    this.generation = pipeline.plan().generation();
    this.model = pipeline.model();
    this.source = pipeline.source();
    this.plan = pipeline.plan();
    this.maxInFlightBatches = maxInFlightBatches;
    this.replicas = replicas;
    this.withSlices = pipeline;
  }

  public long generation() {
    return generation;
  }

  public ModelInfo model() {
    return model;
  }

  PlanRecord plan() {
    return plan;
  }

  int stageCount() {
    return plan.stageCount();
  }

  public int maxInFlightBatches() {
    return maxInFlightBatches;
  }

  public ReplicaTable replicas() {
    return replicas;
  }

  /**
   * True when both compute the same function: the same model file and signature, with the same
   * inputs and outputs as clients see them. Only the partitioning differs, so a request admitted
   * under one may be answered by the other.
   */
  boolean sameModelAs(PlanGeneration other) {
    return source.equals(other.source) && model.equals(other.model);
  }

  /** The pipeline with its slices, until they are released. */
  public Optional<ServedPipeline> pipeline() {
    return Optional.ofNullable(withSlices);
  }

  /** Drops the slice bytes: nothing will be pushed for this plan any more. */
  void releaseSlices() {
    withSlices = null;
  }

  /** Requests admitted under this plan and not yet answered; guarded by {@link ServedPlans}. */
  int admitted() {
    return admitted;
  }

  void admittedChanged(int delta) {
    admitted += delta;
  }

  /**
   * Per stage, the workers that can take a batch for it now, from a membership snapshot ({@link
   * MembershipSnapshot#replicas}: the operator keeps a plan's workers by the same rule).
   */
  List<List<Replica>> replicasIn(MembershipSnapshot snapshot) {
    List<List<Replica>> byStage = new ArrayList<>();
    for (PlanStage stage : plan.stages()) {
      List<Replica> ready = new ArrayList<>();
      for (WorkerRecord worker : snapshot.replicas(plan, stage.index())) {
        ready.add(
            new Replica(
                worker.workerId(),
                worker.address(),
                stage.index(),
                stage.sliceSha256(),
                worker.startedAt()));
      }
      byStage.add(ready);
    }
    return byStage;
  }

  @Override
  public String toString() {
    return "plan generation "
        + generation
        + " ("
        + stageCount()
        + " stages of "
        + model().name()
        + ")";
  }
}
