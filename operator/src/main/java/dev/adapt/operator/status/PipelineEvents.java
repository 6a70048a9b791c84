package dev.adapt.operator.status;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Kubernetes Events about a pipeline, shown by {@code kubectl describe inferencepipeline}. */
public final class PipelineEvents {

  private static final Logger log = LoggerFactory.getLogger(PipelineEvents.class);
  private static final String COMPONENT = "adapt-operator";

  private PipelineEvents() {}

  /** Records a Warning Event; failing to record one is logged, never fatal. */
  public static void warning(
      KubernetesClient client, InferencePipeline pipeline, String reason, String message) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    try {
      client
          .v1()
          .events()
          .inNamespace(pipeline.getMetadata().getNamespace())
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withGenerateName(pipeline.getMetadata().getName() + ".")
                  .withNamespace(pipeline.getMetadata().getNamespace())
                  .endMetadata()
                  .withNewInvolvedObject()
                  .withApiVersion(pipeline.getApiVersion())
                  .withKind(pipeline.getKind())
                  .withName(pipeline.getMetadata().getName())
                  .withNamespace(pipeline.getMetadata().getNamespace())
                  .withUid(pipeline.getMetadata().getUid())
                  .withResourceVersion(pipeline.getMetadata().getResourceVersion())
                  .endInvolvedObject()
                  .withType("Warning")
                  .withReason(reason)
                  .withMessage(message)
                  .withNewSource()
                  .withComponent(COMPONENT)
                  .endSource()
                  .withReportingComponent(COMPONENT)
                  .withFirstTimestamp(now)
                  .withLastTimestamp(now)
                  .withCount(1)
                  .build())
          .create();
    } catch (KubernetesClientException e) {
      log.warn("Cannot record event {} ({}): {}", reason, message, e.getMessage());
    }
  }
}
