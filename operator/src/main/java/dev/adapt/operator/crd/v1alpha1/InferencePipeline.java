package dev.adapt.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.List;

/**
 * A model served by a pipeline of worker pods, one stage of the model per worker, behind a
 * dispatcher. The operator owns everything the pipeline needs: etcd (unless external), the
 * dispatcher Deployment and Service, and the worker Pods with their stage assignments.
 */
@Group(InferencePipeline.GROUP)
@Version(InferencePipeline.VERSION)
@Plural(InferencePipeline.PLURAL)
@Singular("inferencepipeline")
@ShortNames("ipl")
@Categories("adapt")
@AdditionalPrinterColumn(name = "PHASE", jsonPath = ".status.phase", type = Type.STRING)
@AdditionalPrinterColumn(name = "STAGES", jsonPath = ".status.stageCount", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "READY", jsonPath = ".status.readyWorkers", type = Type.STRING)
@AdditionalPrinterColumn(name = "ENDPOINT", jsonPath = ".status.endpoint", type = Type.STRING)
@AdditionalPrinterColumn(name = "AGE", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
// Owned Services are named after the pipeline and must stay valid DNS labels (63 characters).
@ValidationRule(
    value = "self.metadata.name.matches('^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$')",
    message =
        "metadata.name must start with a letter, contain only lower-case letters, digits and '-',"
            + " and be at most 40 characters long")
public class InferencePipeline
    extends CustomResource<InferencePipelineSpec, InferencePipelineStatus> implements Namespaced {

  public static final String GROUP = "adapt.dev";
  public static final String VERSION = "v1alpha1";
  public static final String PLURAL = "inferencepipelines";
  public static final String CRD_NAME = PLURAL + "." + GROUP;

  /**
   * The order of the columns of {@code kubectl get}. The generator sorts columns by JSON path, so
   * the copy in deploy/crds puts them in this order.
   */
  public static final List<String> PRINTER_COLUMN_ORDER =
      List.of("PHASE", "STAGES", "READY", "ENDPOINT", "AGE");

  // Overridden only to describe the two top-level fields in the generated schema.
  @Override
  @JsonPropertyDescription(
      "The desired pipeline: model, partitioning into stages, workers, dispatcher, etcd and"
          + " transport.")
  public InferencePipelineSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription(
      "The observed pipeline: phase, conditions, plan in use and ready workers per stage.")
  public InferencePipelineStatus getStatus() {
    return super.getStatus();
  }
}
