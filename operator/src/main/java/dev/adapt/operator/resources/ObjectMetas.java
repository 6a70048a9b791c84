package dev.adapt.operator.resources;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

/** Metadata of owned objects: name, the pipeline's namespace and the component's labels. */
final class ObjectMetas {

  private ObjectMetas() {}

  static ObjectMeta of(InferencePipeline pipeline, String name, Component component) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(pipeline.getMetadata().getNamespace())
        .withLabels(Labels.of(pipeline, component))
        .build();
  }
}
