package dev.adapt.core.model;

/** A model that cannot be loaded or sliced; the message says which model and why. */
public class ModelLoadException extends RuntimeException {
  public ModelLoadException(String message) {
    super(message);
  }

  public ModelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
