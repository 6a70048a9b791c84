package dev.adapt.core.slice;

/**
 * A slice refused the input it was given: the wrong dtype or shape for the slice, or TensorFlow
 * rejecting dimensions the model leaves open. The fault lies with the input, so the request is
 * answered as invalid and not run again elsewhere; every other failure of a run is the system's.
 */
public final class InputRejectedException extends IllegalArgumentException {
  public InputRejectedException(String message) {
    super(message);
  }

  public InputRejectedException(String message, Throwable cause) {
    super(message, cause);
  }
}
