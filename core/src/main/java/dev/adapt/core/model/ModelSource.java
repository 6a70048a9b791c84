package dev.adapt.core.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Where a model comes from: a built-in model ({@code builtin:resnet50}) or a TensorFlow SavedModel
 * directory, and which of its signatures to serve.
 */
public record ModelSource(Kind kind, String location, String signature) {
  public static final String DEFAULT_SIGNATURE = "serving_default";
  public static final String BUILTIN_PREFIX = "builtin:";
  public static final List<String> BUILTIN_MODELS = List.of("resnet50");

  public enum Kind {
    BUILTIN,
    SAVED_MODEL
  }

  public ModelSource {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(location, "location");
    signature = signature == null || signature.isBlank() ? DEFAULT_SIGNATURE : signature;
  }

  /** Parses {@code builtin:<name>} or a SavedModel path, with the default signature. */
  public static ModelSource parse(String model) {
    return parse(model, null);
  }

  /**
   * Parses {@code builtin:<name>} or a SavedModel path (optionally written {@code file:<path>}).
   *
   * @param signature the signature to serve, or null for {@value #DEFAULT_SIGNATURE}
   * @throws IllegalArgumentException for an empty name or an unknown built-in model
   */
  public static ModelSource parse(String model, String signature) {
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException(
          "no model given: use builtin:resnet50 or a SavedModel path");
    }
    String trimmed = model.trim();
    if (trimmed.startsWith(BUILTIN_PREFIX)) {
      String name = trimmed.substring(BUILTIN_PREFIX.length());
      if (!BUILTIN_MODELS.contains(name)) {
        throw new IllegalArgumentException(
            "unknown built-in model '"
                + name
                + "'; built-in models: "
                + String.join(", ", BUILTIN_MODELS.stream().map(m -> BUILTIN_PREFIX + m).toList()));
      }
      return new ModelSource(Kind.BUILTIN, name, signature);
    }
    String path = trimmed.startsWith("file:") ? trimmed.substring("file:".length()) : trimmed;
    return new ModelSource(
        Kind.SAVED_MODEL, Path.of(path).toAbsolutePath().normalize().toString(), signature);
  }

  /** The model as written in specs: {@code builtin:resnet50} or the SavedModel's absolute path. */
  public String uri() {
    return kind == Kind.BUILTIN ? BUILTIN_PREFIX + location : location;
  }

  @Override
  public String toString() {
    return DEFAULT_SIGNATURE.equals(signature) ? uri() : uri() + " (signature " + signature + ")";
  }
}
