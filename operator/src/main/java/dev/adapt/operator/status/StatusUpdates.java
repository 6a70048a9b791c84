package dev.adapt.operator.status;

import dev.adapt.operator.convergence.WorkerPlan.Reason;
import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import dev.adapt.operator.crd.v1alpha1.InferencePipelineStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a computed status only when it differs from the stored one, and announces a newly invalid
 * spec or a model the dispatcher cannot load with a Warning Event (once per distinct message, so a
 * lasting problem causes no event storm).
 */
public final class StatusUpdates {

  private static final Logger log = LoggerFactory.getLogger(StatusUpdates.class);

  private StatusUpdates() {}

  public static UpdateControl<InferencePipeline> patchIfChanged(
      InferencePipeline pipeline, InferencePipelineStatus status, KubernetesClient client) {
    InferencePipelineStatus previous = pipeline.getStatus();
    if (status.equals(previous)) {
      return UpdateControl.noUpdate();
    }
    List<Condition> before = previous == null ? List.of() : previous.getConditions();
    news(before, status.getConditions(), Conditions.INVALID_SPEC, reason -> true)
        .ifPresent(
            invalid -> {
              log.warn("Invalid spec: {}", invalid);
              PipelineEvents.warning(client, pipeline, Conditions.INVALID_SPEC, invalid);
            });
    for (Reason dispatcherFailure : Reason.values()) {
      if (!dispatcherFailure.isDispatcherFailure()) {
        continue;
      }
      String reason = dispatcherFailure.name();
      news(before, status.getConditions(), Conditions.PROGRESSING, reason::equals)
          .ifPresent(
              failure -> {
                log.warn("{}: {}", reason, failure);
                PipelineEvents.warning(client, pipeline, reason, failure);
              });
    }
    if (previous == null || previous.getPhase() != status.getPhase()) {
      log.info("Phase {} -> {}", previous == null ? null : previous.getPhase(), status.getPhase());
    }
    return UpdateControl.patchStatus(forStatus(pipeline, status));
  }

  /**
   * The message of the condition of {@code type} when it is true with a matching reason and was
   * not, or said something else: what deserves one Warning Event.
   */
  private static Optional<String> news(
      List<Condition> previous, List<Condition> current, String type, Predicate<String> reason) {
    String before = Conditions.isTrue(previous, type) ? Conditions.message(previous, type) : "";
    return current.stream()
        .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
        .filter(c -> reason.test(c.getReason()))
        .map(Condition::getMessage)
        .filter(message -> !message.equals(before))
        .findFirst();
  }

  /** The last status with a Degraded condition naming the failure; JOSDK retries meanwhile. */
  public static ErrorStatusUpdateControl<InferencePipeline> failed(
      InferencePipeline pipeline, Exception e, Instant now) {
    log.warn("Reconciliation failed, will retry: {}", e.toString());
    // A copy: the resource comes from the informer's cache.
    InferencePipelineStatus status =
        pipeline.getStatus() == null
            ? new InferencePipelineStatus()
            : Serialization.clone(pipeline.getStatus());
    String message = "reconciliation failed, retrying: " + e.getMessage();
    if (message.equals(Conditions.message(status.getConditions(), Conditions.DEGRADED))) {
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    status.getConditions().removeIf(c -> Conditions.DEGRADED.equals(c.getType()));
    status
        .getConditions()
        .add(
            Conditions.of(
                List.of(),
                Conditions.DEGRADED,
                true,
                "ReconcileError",
                message,
                pipeline.getMetadata().getGeneration(),
                now));
    return ErrorStatusUpdateControl.patchStatus(forStatus(pipeline, status));
  }

  /** A resource carrying only identity and status, for a server-side apply of the status. */
  private static InferencePipeline forStatus(
      InferencePipeline pipeline, InferencePipelineStatus status) {
    InferencePipeline patch = new InferencePipeline();
    patch.setMetadata(
        new ObjectMetaBuilder()
            .withName(pipeline.getMetadata().getName())
            .withNamespace(pipeline.getMetadata().getNamespace())
            .build());
    patch.setStatus(status);
    return patch;
  }
}
