package dev.adapt.dispatcher;

/**
 * What the dispatcher serves under one model name: a pipeline carries one input tensor to one
 * output tensor.
 */
public record ModelInfo(
    String name, String version, String platform, TensorSpec input, TensorSpec output) {

  /** True when a client names this model (and, if it names one, this version). */
  public boolean matches(String modelName, String modelVersion) {
    return name.equals(modelName)
        && (modelVersion == null || modelVersion.isEmpty() || version.equals(modelVersion));
  }

  public InferenceException unknown(String modelName, String modelVersion) {
    String what =
        modelVersion == null || modelVersion.isEmpty()
            ? "model '" + modelName + "'"
            : "model '" + modelName + "' version '" + modelVersion + "'";
    return new InferenceException(
        InferenceException.Kind.NOT_FOUND,
        "unknown " + what + "; this server serves '" + name + "' version '" + version + "'");
  }
}
