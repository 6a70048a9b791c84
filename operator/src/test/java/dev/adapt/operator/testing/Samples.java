package dev.adapt.operator.testing;

import dev.adapt.operator.crd.v1alpha1.InferencePipeline;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The pipelines of deploy/samples, as users apply them. */
public final class Samples {

  public static final Path DIRECTORY = Path.of("..", "deploy", "samples");
  public static final String BALANCED = "resnet50-balanced.yaml";
  public static final String SPLIT_POINTS = "resnet50-split-points.yaml";
  public static final String GPU = "resnet50-gpu.yaml";
  public static final String SECURED = "resnet50-secured.yaml";

  private Samples() {}

  public static String yaml(String file) {
    try {
      return Files.readString(DIRECTORY.resolve(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The sample as the API server would hold it: in a namespace, with a uid and generation 1. */
  public static InferencePipeline load(String file, String namespace) {
    InferencePipeline pipeline = Serialization.unmarshal(yaml(file), InferencePipeline.class);
    pipeline.getMetadata().setNamespace(namespace);
    pipeline.getMetadata().setUid("uid-" + pipeline.getMetadata().getName());
    pipeline.getMetadata().setGeneration(1L);
    return pipeline;
  }
}
