package dev.adapt.dispatcher;

import dev.adapt.core.model.ModelSource;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The model a command serves or plans: {@code --model} and {@code --signature}. */
public final class ModelOptions {

  @Option(
      names = "--model",
      paramLabel = "MODEL",
      description =
          "builtin:resnet50, or the path of a TensorFlow SavedModel directory (default:"
              + " ${DEFAULT-VALUE}).")
  String model;

  @Option(
      names = "--signature",
      paramLabel = "NAME",
      description = "The SavedModel signature to serve (default: ${DEFAULT-VALUE}).")
  String signature = ModelSource.DEFAULT_SIGNATURE;

  /** Without a model unless {@code --model} is given. */
  public ModelOptions() {}

  /** With {@code defaultModel} unless {@code --model} is given. */
  public ModelOptions(String defaultModel) {
    this.model = defaultModel;
  }

  /** The model given, or the default; empty when there is neither. */
  public Optional<ModelSource> source() {
    return Optional.ofNullable(model).map(m -> ModelSource.parse(m, signature));
  }
}
