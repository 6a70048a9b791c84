package dev.adapt.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The checked-in CRD must be what the classes generate: the build fails when they drift, and says
 * how to regenerate the copy.
 */
class CrdManifestTest {

  @Test
  void checkedInCrdIsWhatTheClassesGenerate() throws IOException {
    String expected = CrdManifest.expected();
    if (Boolean.getBoolean("adapt.updateCrd")) {
      Files.writeString(CrdManifest.CHECKED_IN, expected);
    }
    String actual =
        Files.exists(CrdManifest.CHECKED_IN) ? Files.readString(CrdManifest.CHECKED_IN) : "";
    assertThat(actual)
        .as(
            "deploy/crds/%s.yaml differs from what the CRD classes generate. If the change of the"
                + " classes is intended, regenerate the copy with%n  %s%nand commit it.",
            InferencePipeline.CRD_NAME, CrdManifest.UPDATE_COMMAND)
        .isEqualTo(expected);
  }

  @Test
  void printerColumnsComeInDisplayOrder() {
    CustomResourceDefinition crd = CrdManifest.parse(CrdManifest.expected());
    List<String> names =
        crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns().stream()
            .map(CustomResourceColumnDefinition::getName)
            .toList();
    assertThat(names).containsExactlyElementsOf(InferencePipeline.PRINTER_COLUMN_ORDER);
  }

  @Test
  void everyFieldIsDescribed() {
    CustomResourceDefinition crd = CrdManifest.parse(CrdManifest.expected());
    JSONSchemaProps root = crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
    List<String> undescribed = new ArrayList<>();
    collectUndescribed("spec", root.getProperties().get("spec"), undescribed);
    collectUndescribed("status", root.getProperties().get("status"), undescribed);
    assertThat(undescribed).isEmpty();
  }

  /**
   * Our own fields must carry a description; the embedded Kubernetes types (tolerations, env,
   * conditions) are described by Kubernetes' documentation and have none in fabric8's model.
   */
  private static void collectUndescribed(String path, JSONSchemaProps schema, List<String> found) {
    if (schema.getDescription() == null || schema.getDescription().isBlank()) {
      found.add(path);
    }
    if (path.endsWith(".tolerations") || path.endsWith(".env") || path.endsWith(".conditions")) {
      return;
    }
    for (Map.Entry<String, JSONSchemaProps> property : schema.getProperties().entrySet()) {
      collectUndescribed(path + "." + property.getKey(), property.getValue(), found);
    }
    if (schema.getItems() != null && schema.getItems().getSchema() != null) {
      JSONSchemaProps items = schema.getItems().getSchema();
      for (Map.Entry<String, JSONSchemaProps> property : items.getProperties().entrySet()) {
        collectUndescribed(path + "[]." + property.getKey(), property.getValue(), found);
      }
    }
  }
}
